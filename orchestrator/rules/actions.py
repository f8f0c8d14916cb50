"""The ``then`` grammar (docs/CONFIG.md): platform actions, scripts and services, each optionally ``!yolo``.

``then`` is one action or a list. A platform action is a string (``archive``) or a one-key mapping
(``move_to: Receipts``); ``script: name`` or ``script: {name, inputs}``; ``service: {call, inputs,
on_result, human_log}`` with ``call`` a service instance id ``<type>.<integration>.<service>``;
``{"yolo": action}`` (YAML ``!yolo``) wraps one action. Names are checked against an
:class:`ActionCatalog` at compile time and every action carries its reversibility tier.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from integrations.base import ActionSpec, Tier
from orchestrator.rules.errors import RuleSyntaxError
from orchestrator.rules.result_routes import route_errors
from orchestrator.rules.taint import TaintedParameter, tainted_parameter
from orchestrator.rules.templates import DictNode, Literal, Node, compile_value

YOLO = "yolo"
SCRIPT_KEYS = ("name", "inputs")
SERVICE_KEYS = ("call", "inputs", "on_result", "human_log")
NO_INPUTS = Literal({})  # shared safely: Literal renders a copy
NO_TEXT = Literal("")
_SERVICE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*\.[A-Za-z0-9_-]+$")


class ActionKind(enum.StrEnum):
    PLATFORM = "platform"
    SCRIPT = "script"
    SERVICE = "service"


@dataclass(frozen=True)
class ActionCatalog:
    """What a rule may name: the platform's actions, scripts and service instances.

    ``scripts`` and ``services`` map a name (a service instance id for services) to whether it is
    declared reversible; the caller looks that up (Script.reversible, ServiceSpec.reversible).
    """

    platform: Mapping[str, ActionSpec] = field(default_factory=dict)
    scripts: Mapping[str, bool] = field(default_factory=dict)
    services: Mapping[str, bool] = field(default_factory=dict)
    # Script name or service id → inputs declared sensitive (argument taint, docs/SAFETY.md).
    sensitive: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionTemplate:
    """One compiled action of a rule; ``argument``/``inputs``/``human_log`` render per item."""

    kind: ActionKind
    name: str
    tier: Tier
    yolo: bool = False
    argument: Node | None = None  # platform actions; None for a bare name
    inputs: Node = NO_INPUTS  # scripts and services
    human_log: Node = NO_TEXT  # services
    on_result: Any = None  # services; passed on unrendered to the result router
    taint: tuple[TaintedParameter, ...] = ()  # sensitive parameters that are not rule literals


def reversible_tier(reversible: bool) -> Tier:
    """Scripts and services are irreversible unless declared reversible."""
    return Tier.SOFT if reversible is True else Tier.IRREVERSIBLE


def parse_then(then: Any, catalog: ActionCatalog) -> tuple[tuple[ActionTemplate, ...], list[str]]:
    """Compile ``then``; errors are ``then[i]: …`` lines (the caller names the rule)."""
    if then is None or then == [] or then == "":
        return (), ["then: at least one action is required"]
    raw = then if isinstance(then, list) else [then]
    actions, errors = [], []
    for index, item in enumerate(raw):
        where = f"then[{index}]" if isinstance(then, list) else "then"
        try:
            actions.append(parse_action(item, catalog))
        except RuleSyntaxError as exc:
            errors.append(f"{where}: {exc}")
    return tuple(actions), errors


def parse_action(raw: Any, catalog: ActionCatalog, *, in_yolo: bool = False) -> ActionTemplate:
    if isinstance(raw, str):
        return _platform_action(raw, None, catalog)
    if not isinstance(raw, Mapping) or len(raw) != 1:
        shape = f"keys {', '.join(map(str, raw))}" if isinstance(raw, Mapping) else repr(raw)
        raise RuleSyntaxError(f"an action is a name or a one-key mapping such as move_to: X, not {shape}")
    [(key, value)] = raw.items()
    if key == YOLO:
        if in_yolo:
            raise RuleSyntaxError("!yolo cannot wrap another !yolo")
        if isinstance(value, list):
            raise RuleSyntaxError("!yolo wraps exactly one action; wrap each action separately")
        return replace(parse_action(value, catalog, in_yolo=True), yolo=True)
    if key == "script":
        return _script_action(value, catalog)
    if key == "service":
        return _service_action(value, catalog)
    return _platform_action(key, value, catalog)


def _platform_action(name: Any, argument: Any, catalog: ActionCatalog) -> ActionTemplate:
    spec = catalog.platform.get(name) if isinstance(name, str) else None
    if spec is None:
        declared = ", ".join(sorted(catalog.platform)) or "none"
        raise RuleSyntaxError(
            f"unknown action {name!r}; this platform's actions: {declared}; "
            "or script: <name>, service: {call: <type>.<integration>.<service>}, !yolo <action>"
        )
    if spec.takes_argument and argument is None:
        raise RuleSyntaxError(f"{name} needs an argument, e.g. {name}: <value>")
    if not spec.takes_argument and argument is not None:
        raise RuleSyntaxError(f"{name} takes no argument; write it as a plain name")
    node = None if argument is None else compile_value(argument)
    tainted = tainted_parameter(name, node) if spec.sensitive else None
    return ActionTemplate(
        ActionKind.PLATFORM, name, spec.tier, argument=node, taint=(tainted,) if tainted else ()
    )


def _script_action(value: Any, catalog: ActionCatalog) -> ActionTemplate:
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        raise RuleSyntaxError("script: write script: <name> or script: {name: <name>, inputs: {...}}")
    _reject_unknown_keys("script", value, SCRIPT_KEYS)
    name = value.get("name")
    if not isinstance(name, str) or name not in catalog.scripts:
        defined = ", ".join(sorted(catalog.scripts)) or "none"
        raise RuleSyntaxError(f"script {name!r} is not defined; defined scripts: {defined}")
    inputs = _inputs("script", value.get("inputs"))
    return _called(ActionKind.SCRIPT, name, catalog.scripts[name], inputs, catalog)


def _service_action(value: Any, catalog: ActionCatalog) -> ActionTemplate:
    if not isinstance(value, Mapping):
        raise RuleSyntaxError("service: write service: {call: <type>.<integration>.<service>, inputs: {...}}")
    _reject_unknown_keys("service", value, SERVICE_KEYS)
    call = value.get("call")
    if not isinstance(call, str) or not _SERVICE_ID.match(call):
        raise RuleSyntaxError(
            f"service.call {call!r} is not a service instance id; write <type>.<integration name>.<service>, "
            "e.g. github.work.create_issue"
        )
    if call not in catalog.services:
        known = ", ".join(sorted(catalog.services)) or "none"
        raise RuleSyntaxError(f"service {call!r} does not exist; available services: {known}")
    human_log = value.get("human_log", "")
    if not isinstance(human_log, str):
        raise RuleSyntaxError("service.human_log must be text (a template)")
    inputs = _inputs("service", value.get("inputs"))
    return _called(
        ActionKind.SERVICE,
        call,
        catalog.services[call],
        inputs,
        catalog,
        human_log=compile_value(human_log),
        on_result=_on_result(value.get("on_result")),
    )


def _called(
    kind: ActionKind, name: str, reversible: bool, inputs: Node, catalog: ActionCatalog, **more: Any
) -> ActionTemplate:
    """A script or service action: irreversible unless declared reversible, its sensitive inputs tainted."""
    taint = _input_taint(inputs, catalog.sensitive.get(name, frozenset()))
    return ActionTemplate(kind, name, reversible_tier(reversible), inputs=inputs, taint=taint, **more)


def _input_taint(inputs: Node, sensitive: frozenset[str]) -> tuple[TaintedParameter, ...]:
    if not sensitive or not isinstance(inputs, DictNode):
        return ()
    found = (tainted_parameter(name, node) for name, node in inputs.items if name in sensitive)
    return tuple(parameter for parameter in found if parameter is not None)


def _inputs(owner: str, inputs: Any) -> Node:
    if inputs is None:
        return NO_INPUTS
    if not isinstance(inputs, Mapping):
        raise RuleSyntaxError(f"{owner}.inputs must be a mapping of input name to value")
    try:
        return compile_value(inputs)
    except RuleSyntaxError as exc:
        raise RuleSyntaxError(f"{owner}.inputs: {exc}") from None


def _on_result(routes: Any) -> Any:
    errors = route_errors(routes)
    if errors:
        raise RuleSyntaxError(f"service.on_result: {'; '.join(errors)}")
    return routes


def _reject_unknown_keys(owner: str, value: Mapping[str, Any], valid: tuple[str, ...]) -> None:
    unknown = sorted(str(key) for key in value if key not in valid)
    if unknown:
        raise RuleSyntaxError(f"{owner}: unknown key(s) {', '.join(unknown)}; valid: {', '.join(valid)}")
