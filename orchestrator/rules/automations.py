"""Automations compiled once per configuration: conditions, actions, provenance, ``on_blocked``.

An automation is stored as ``{when, then, on_blocked?, name?, mode?}``. Compiling checks its shape, the
condition grammar, the action names and the templates, and fixes its provenance. A rule with a
syntax error is left out of the result (it cannot run) and reported; safety is judged separately
(:mod:`orchestrator.rules.safety`) so that an unsafe rule that slipped past the save check still
evaluates — and is then blocked and recorded at run time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.base import ClassificationSpec, PlatformSpec
from orchestrator.rules.actions import ActionCatalog, ActionTemplate, parse_then
from orchestrator.rules.conditions import Condition, compile_when
from orchestrator.rules.provenance import (
    CLASSIFICATION_NAMESPACE,
    Provenance,
    llm_derived_keys,
    namespace,
    rule_provenance,
)

AUTOMATION_KEYS = ("when", "then", "on_blocked", "name", "mode")
ON_BLOCKED_ASK = "ask"
MODE_LIVE = "live"
MODE_SHADOW = "shadow"  # evaluated and recorded, never executed (docs/SAFETY.md "Shadow mode")
MODES = (MODE_LIVE, MODE_SHADOW)


def is_shadow(rule: Any, *, platform_shadow: bool = False) -> bool:
    """Is this stored rule in shadow mode: its own ``mode``, else its platform's?"""
    mode = rule.get("mode") if isinstance(rule, Mapping) else None
    return mode == MODE_SHADOW or (platform_shadow and mode != MODE_LIVE)


def rule_label(index: int, name: str = "") -> str:
    """How messages name a rule: its 1-based position, and its name when it has one."""
    return f"automation #{index + 1}" + (f" ({name!r})" if name else "")


@dataclass(frozen=True)
class CompiledAutomation:
    index: int  # 0-based position in the platform's list
    name: str
    conditions: tuple[Condition, ...]
    actions: tuple[ActionTemplate, ...]
    provenance: Provenance
    llm_keys: tuple[str, ...]  # the LLM-derived condition keys, for messages
    on_blocked: str | None = None
    shadow: bool = False  # ``mode: shadow``: its actions are recorded as ``shadow`` rows, never run

    @property
    def label(self) -> str:
        return rule_label(self.index, self.name)

    def matches(self, snapshot: Any, classification: Any, now: datetime) -> bool:
        """All conditions hold (an empty ``when`` always matches). Never raises."""
        return all(condition.holds(snapshot, classification, now) for condition in self.conditions)


@dataclass(frozen=True)
class CompileResult:
    automations: tuple[CompiledAutomation, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def catalog_for(
    platform: PlatformSpec | None,
    scripts: Mapping[str, bool],
    services: Mapping[str, bool],
    sensitive: Mapping[str, frozenset[str]] | None = None,
) -> ActionCatalog:
    return ActionCatalog(
        platform=platform.actions if platform else {},
        scripts=scripts,
        services=services,
        sensitive=sensitive or {},
    )


def rule_digest(rule: Any) -> str:
    """A stable identity for an automation's definition (``when``/``then``/``on_blocked``/``name``):
    the ledger keys its actions by it, so two rules with one digest act once between them."""
    return hashlib.sha256(json.dumps(rule, sort_keys=True, default=str).encode()).hexdigest()[:16]


def compile_automations(
    automations: Any,
    *,
    platform: PlatformSpec | None,
    classifications: Mapping[str, ClassificationSpec],
    scripts: Mapping[str, bool],
    services: Mapping[str, bool],
    sensitive: Mapping[str, frozenset[str]] | None = None,
    platform_shadow: bool = False,
) -> CompileResult:
    """Compile a platform's automations. ``platform=None`` fails safe: no deterministic sources and
    no platform actions, so every condition is LLM-derived. *platform_shadow* (the platform's
    ``mode: shadow``) makes every automation shadow unless it says ``mode: live`` itself."""
    if not isinstance(automations, list):
        return CompileResult((), ("automations must be a list of {when, then} rules",))
    catalog = catalog_for(platform, scripts, services, sensitive)
    sources = platform.deterministic_sources if platform else frozenset()
    compiled: list[CompiledAutomation] = []
    errors: list[str] = []
    warnings: list[str] = []
    first_of: dict[str, CompiledAutomation] = {}  # a definition → the first rule that has it
    for index, rule in enumerate(automations):
        automation, rule_errors = compile_automation(
            index, rule, classifications, catalog, sources, platform_shadow=platform_shadow
        )
        errors.extend(rule_errors)
        if automation is not None:
            compiled.append(automation)
            warnings.extend(_undeclared_field_warnings(automation, sources))
            warnings.extend(_repeat_warnings(automation, rule, first_of))
    return CompileResult(tuple(compiled), tuple(errors), tuple(warnings))


def compile_automation(
    index: int,
    rule: Any,
    classifications: Mapping[str, ClassificationSpec],
    catalog: ActionCatalog,
    sources: frozenset[str],
    *,
    platform_shadow: bool = False,
) -> tuple[CompiledAutomation | None, list[str]]:
    """One rule, or ``None`` with its errors, each line naming the rule."""
    name = rule.get("name") if isinstance(rule, Mapping) else None
    label = rule_label(index, name if isinstance(name, str) else "")
    if not isinstance(rule, Mapping):
        return None, [f"{label}: must be a mapping with 'when' and 'then'"]
    problems = _shape_errors(rule)
    conditions, when_errors = compile_when(rule.get("when"), classifications)
    actions, then_errors = parse_then(rule.get("then"), catalog)
    problems += when_errors + then_errors
    if problems:
        return None, [f"{label}: {problem}" for problem in problems]
    keys = [condition.key for condition in conditions]
    automation = CompiledAutomation(
        index=index,
        name=name or "",
        conditions=conditions,
        actions=actions,
        provenance=rule_provenance(keys, sources),
        llm_keys=llm_derived_keys(keys, sources),
        on_blocked=rule.get("on_blocked"),
        shadow=is_shadow(rule, platform_shadow=platform_shadow),
    )
    return automation, []


def _shape_errors(rule: Mapping[str, Any]) -> list[str]:
    errors = []
    unknown = sorted(str(key) for key in rule if key not in AUTOMATION_KEYS)
    if unknown:
        errors.append(f"unknown key(s) {', '.join(unknown)}; valid: {', '.join(AUTOMATION_KEYS)}")
    if rule.get("on_blocked") not in (None, ON_BLOCKED_ASK):
        errors.append(f"on_blocked: the only value is '{ON_BLOCKED_ASK}'")
    if rule.get("mode") is not None and rule.get("mode") not in MODES:
        errors.append(f"mode: {rule.get('mode')!r} is not a mode; valid: {', '.join(MODES)}")
    if rule.get("name") is not None and not isinstance(rule["name"], str):
        errors.append("name: must be text")
    return errors


def _repeat_warnings(
    automation: CompiledAutomation, rule: Any, first_of: dict[str, CompiledAutomation]
) -> list[str]:
    # An action runs once per item and rule *definition* (the ledger key), so an exact copy of an
    # earlier rule can never act, or record a shadow row, on its own: say so instead of letting
    # the user wonder why it shows nothing.
    try:
        definition = rule_digest(rule)
    except (TypeError, ValueError):  # keys of mixed types cannot be sorted: no comparison, no warning
        return []
    earlier = first_of.setdefault(definition, automation)
    if earlier is automation:
        return []
    return [
        f"{automation.label}: repeats {earlier.label} exactly, so it never acts on its own (each item gets "
        "a rule's actions once); delete it or change what it does"
    ]


def _undeclared_field_warnings(automation: CompiledAutomation, sources: frozenset[str]) -> list[str]:
    declared = ", ".join(sorted(sources)) or "none"
    return [
        f"{automation.label}: when.{key}: {namespace(key)!r} is not one of this platform's deterministic "
        f"fields ({declared}), so it counts as LLM-derived"
        for key in automation.llm_keys  # already the non-deterministic ones
        if namespace(key) != CLASSIFICATION_NAMESPACE
    ]
