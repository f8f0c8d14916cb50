"""An action someone wants run — from an automation, an approval or chat — and where it runs.

An :class:`ActionIntent` is a :class:`~orchestrator.rules.planned.PlannedAction` placed on an
integration and an item. It knows its ledger identity: (item, rule, action, rendered argument or
inputs). The rule part is a digest of the automation's definition when there is one, so moving a
rule in the list does not re-run what it already did, while editing it does. Script and service
tasks carry :meth:`ActionIntent.task_payload` — a planned-action payload plus where it runs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from orchestrator.models import Item
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.planned import PlannedAction, PlannedActionPayload

SCRIPT_PREFIX = "script:"


def ledger_key(*, item_id: int | None, rule: str, action: str, parameters: Any) -> str:
    """The action ledger's identity of an action (a row per key: at most once)."""
    canonical = json.dumps([item_id, rule, action, parameters], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


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


@dataclass(frozen=True, kw_only=True)
class ActionIntent(PlannedAction):
    """A planned action and where it runs: the integration, the item (none for chat), and for
    item-less requests an id that keeps two alike requests apart."""

    integration_id: str
    item: Item | None
    request: str = ""  # makes item-less requests (chat) distinct from each other
    conversation_id: str = ""

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
        return {"yolo": self.yolo, "on_blocked": self.on_blocked, "taint": self.taint}

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

    def task_payload(self) -> ActionTaskPayload:
        """JSON for a ``script.run`` or ``service.*`` task; :func:`intent_from_task` reads it back."""
        return {
            **self.to_payload(),
            "integration": self.integration_id,
            "item": self.item.pk if self.item else None,
            "request": self.request,
            "conversation_id": self.conversation_id,
        }


class ActionTaskPayload(PlannedActionPayload):
    """A script or service task's payload: the planned action and where it runs."""

    integration: str
    item: int | None
    request: str
    conversation_id: str


def with_request_id(intent: ActionIntent) -> ActionIntent:
    """Item-less requests (chat) get their own identity, so two alike requests both run."""
    if intent.item is not None or intent.request:
        return intent
    return replace(intent, request=uuid.uuid4().hex)


def intent_of(
    planned: PlannedAction,
    *,
    integration_id: str,
    item: Item | None,
    request: str = "",
    conversation_id: str = "",
) -> ActionIntent:
    """*planned* on *integration_id* and *item*."""
    planned_fields = {f.name: getattr(planned, f.name) for f in fields(PlannedAction)}
    return ActionIntent(
        **planned_fields,
        integration_id=integration_id,
        item=item,
        request=request,
        conversation_id=conversation_id,
    )


def intent_from_task(payload: Mapping[str, Any]) -> ActionIntent:
    """A script or service task's intent. Missing provenance counts as ``unknown`` (untrusted)."""
    item = Item.objects.filter(pk=payload["item"]).first() if payload.get("item") else None
    return intent_of(
        PlannedAction.from_payload(payload),
        integration_id=str(payload.get("integration") or (item.integration_id if item else "")),
        item=item,
        request=str(payload.get("request") or ""),
        conversation_id=str(payload.get("conversation_id") or ""),
    )
