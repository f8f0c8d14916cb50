"""An action someone wants run — from an automation, an approval or chat — in one shape.

Automations hand the act stage :meth:`PlannedAction.as_payload` dicts; script and service tasks
carry :meth:`ActionIntent.task_payload`. Both become an :class:`ActionIntent`, which knows its
ledger identity: (item, rule, action, rendered argument or inputs). The rule part is a digest of
the automation's definition when there is one, so moving a rule in the list does not re-run what
it already did, while editing it does.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from orchestrator.actions.ledger import ledger_key
from orchestrator.models import Item
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.automations import rule_label

SCRIPT_PREFIX = "script:"


def rule_digest(rule: Any) -> str:
    """A stable identity for an automation's definition (``when``/``then``/``on_blocked``/``name``)."""
    return hashlib.sha256(json.dumps(rule, sort_keys=True, default=str).encode()).hexdigest()[:16]


def ledger_action(kind: ActionKind, name: str) -> str:
    """How the ledger and approvals name an action: ``tag``, ``script:notify``, ``dummy.one.echo``."""
    return f"{SCRIPT_PREFIX}{name}" if kind is ActionKind.SCRIPT else name


def kind_of(action: str) -> tuple[ActionKind, str]:
    """The inverse of :func:`ledger_action`: service instance ids are the names with dots."""
    if action.startswith(SCRIPT_PREFIX):
        return ActionKind.SCRIPT, action.removeprefix(SCRIPT_PREFIX)
    if "." in action:
        return ActionKind.SERVICE, action
    return ActionKind.PLATFORM, action


@dataclass(frozen=True)
class ActionIntent:
    kind: ActionKind
    name: str  # platform action, script name, or canonical service instance id
    integration_id: str
    item: Item | None
    rule: str  # for people: "automation #2 ('x')", "chat", "direct"
    provenance: str
    yolo: bool = False
    on_blocked: str | None = None
    argument: Any = None
    inputs: dict[str, Any] = field(default_factory=dict)
    on_result: Any = None
    human_log: str = ""
    rule_key: str = ""  # ledger identity of the rule; defaults to the label
    request: str = ""  # makes item-less requests (chat) distinct from each other
    conversation_id: str = ""
    approval_id: int | None = None

    @property
    def action(self) -> str:
        return ledger_action(self.kind, self.name)

    @property
    def key_parameters(self) -> Any:
        return self.argument if self.kind is ActionKind.PLATFORM else self.inputs

    @property
    def parameters(self) -> dict[str, Any]:
        """What the ledger row stores: enough to run the action again after an approval."""
        if self.kind is ActionKind.PLATFORM:
            return {"argument": self.argument}
        if self.kind is ActionKind.SCRIPT:
            return {"inputs": self.inputs}
        return {"inputs": self.inputs, "on_result": self.on_result, "human_log": self.human_log}

    @property
    def gate_view(self) -> dict[str, Any]:
        return {"yolo": self.yolo, "on_blocked": self.on_blocked}

    def key(self) -> str:
        return ledger_key(
            item_id=self.item.pk if self.item else None,
            rule=(self.rule_key or self.rule) + (f"#{self.request}" if self.request else ""),
            action=self.action,
            parameters=self.key_parameters,
        )

    def describe(self) -> str:
        """``shout 'hi'``, ``script notify``, ``service dummy.one.echo`` — for audit lines."""
        if self.kind is ActionKind.PLATFORM:
            return self.name if self.argument is None else f"{self.name} {self.argument!r}"
        return f"{self.kind.value} {self.name}"

    def where(self) -> str:
        return self.item.key if self.item else (self.integration_id or "no item")

    def task_payload(self) -> dict[str, Any]:
        """JSON for a ``script.run`` or ``service.*`` task; :func:`intent_from_task` reads it back."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "integration": self.integration_id,
            "item": self.item.pk if self.item else None,
            "rule": self.rule,
            "rule_key": self.rule_key,
            "provenance": self.provenance,
            "yolo": self.yolo,
            "on_blocked": self.on_blocked,
            "inputs": self.inputs,
            "on_result": self.on_result,
            "human_log": self.human_log,
            "request": self.request,
            "conversation_id": self.conversation_id,
            "approval": self.approval_id,
        }


def with_request_id(intent: ActionIntent) -> ActionIntent:
    """Item-less requests (chat) get their own identity, so two alike requests both run."""
    if intent.item is not None or intent.request:
        return intent
    return replace(intent, request=uuid.uuid4().hex)


def intent_from_planned(payload: dict[str, Any], *, integration_id: str, item: Item) -> ActionIntent:
    """An act-stage action: a :class:`PlannedAction` payload (plus ``rule_key``/``approval``)."""
    rule = payload.get("rule") or rule_label(
        int(payload.get("rule_index") or 0), payload.get("rule_name") or ""
    )
    inputs = payload.get("inputs")
    return ActionIntent(
        kind=ActionKind(payload.get("kind", ActionKind.PLATFORM.value)),
        name=str(payload["name"]),
        integration_id=integration_id,
        item=item,
        rule=rule,
        provenance=str(payload.get("provenance") or "unknown"),
        yolo=payload.get("yolo") is True,
        on_blocked=payload.get("on_blocked"),
        argument=payload.get("argument"),
        inputs=inputs if isinstance(inputs, dict) else {},
        on_result=payload.get("on_result"),
        human_log=str(payload.get("human_log") or ""),
        rule_key=str(payload.get("rule_key") or ""),
        approval_id=payload.get("approval"),
    )


def intent_from_task(payload: dict[str, Any]) -> ActionIntent:
    """A script or service task's intent. Missing provenance counts as ``unknown`` (untrusted)."""
    item = Item.objects.filter(pk=payload["item"]).first() if payload.get("item") else None
    inputs = payload.get("inputs")
    return ActionIntent(
        kind=ActionKind(payload["kind"]),
        name=str(payload["name"]),
        integration_id=str(payload.get("integration") or (item.integration_id if item else "")),
        item=item,
        rule=str(payload.get("rule") or "direct"),
        provenance=str(payload.get("provenance") or "unknown"),
        yolo=payload.get("yolo") is True,
        on_blocked=payload.get("on_blocked"),
        inputs=inputs if isinstance(inputs, dict) else {},
        on_result=payload.get("on_result"),
        human_log=str(payload.get("human_log") or ""),
        rule_key=str(payload.get("rule_key") or ""),
        request=str(payload.get("request") or ""),
        conversation_id=str(payload.get("conversation_id") or ""),
        approval_id=payload.get("approval"),
    )
