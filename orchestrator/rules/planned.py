"""``PlannedAction``: one action someone wants run, in the one shape every queue payload uses.

The rules engine plans them (:func:`orchestrator.rules.evaluate.evaluate`), approvals re-plan the
approved action with ``human`` provenance, and :class:`~orchestrator.actions.intents.ActionIntent`
turns one into a script or service task. ``to_payload`` gives the JSON an ``act`` entry or a task
carries and ``from_payload`` reads it back, refusing a payload that lacks what a runner needs.
Pure: no ORM, no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from integrations.base import Tier
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.automations import rule_label


class PlannedActionPayload(TypedDict):
    """The JSON form of a :class:`PlannedAction` (mypy checks every key is written)."""

    kind: str
    name: str
    provenance: str
    tier: str
    yolo: bool
    on_blocked: str | None
    rule: str
    rule_index: int | None
    rule_name: str
    rule_key: str
    argument: Any
    inputs: dict[str, Any]
    human_log: str
    on_result: Any
    error: str | None
    approval: int | None
    taint: list[str]
    shadow: bool


class PlannedActionError(ValueError):
    """A payload that is not a planned action (a bug or a hand-written task), named precisely."""

    permanent = True  # retrying the same payload cannot help


@dataclass(frozen=True, kw_only=True)
class PlannedAction:
    """One action for one item (or none), rendered, not yet gated or run.

    ``provenance`` is the rule's (``rule``/``llm``/``hybrid``) or ``human`` for an approved action.
    ``tier`` is the tier known when planned; runners re-derive it (a script's or service's
    reversibility may have changed) before the runtime gate. ``rule`` names the rule for people,
    ``rule_key`` is its ledger identity (a digest of its definition; empty → the label). ``error``
    is set when a template failed for this item: the action is recorded as failed, never run.
    ``approval_id`` names the approval a person gave for this very action.
    """

    kind: ActionKind
    name: str  # platform action, script name, or service instance id
    provenance: str
    rule: str  # "automation #2 ('x')", "chat", "direct"
    tier: Tier = Tier.IRREVERSIBLE  # fail safe: what is not known to be reversible is not
    yolo: bool = False
    on_blocked: str | None = None
    rule_index: int | None = None  # position of the automation that planned it
    rule_name: str = ""
    rule_key: str = ""
    argument: Any = None  # platform actions
    inputs: dict[str, Any] = field(default_factory=dict)  # scripts and services
    human_log: str = ""  # services
    on_result: Any = None  # services
    error: str | None = None
    approval_id: int | None = None
    # Sensitive parameters not written literally in the rule, described (argument taint): gated
    # like an irreversible action.
    taint: tuple[str, ...] = ()
    shadow: bool = False  # from a ``mode: shadow`` automation: record it, never run it

    def to_payload(self) -> PlannedActionPayload:
        """Plain JSON for a task payload."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "provenance": str(self.provenance),
            "tier": self.tier.value,
            "yolo": self.yolo,
            "on_blocked": self.on_blocked,
            "rule": self.rule,
            "rule_index": self.rule_index,
            "rule_name": self.rule_name,
            "rule_key": self.rule_key,
            "argument": self.argument,
            "inputs": self.inputs,
            "human_log": self.human_log,
            "on_result": self.on_result,
            "error": self.error,
            "approval": self.approval_id,
            "taint": list(self.taint),
            "shadow": self.shadow,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> PlannedAction:
        """Read :meth:`to_payload` back. Missing provenance counts as ``unknown`` (untrusted), a
        missing tier as irreversible: an incomplete payload never gets past the gate more easily.
        """
        name = payload.get("name")
        if not isinstance(name, str) or not name:
            raise PlannedActionError(f"a planned action needs a 'name'; got {dict(payload)!r}")
        try:
            kind = ActionKind(payload.get("kind", ActionKind.PLATFORM.value))
        except ValueError:
            raise PlannedActionError(
                f"planned action {name!r}: unknown kind {payload.get('kind')!r}"
            ) from None
        try:
            tier = Tier(payload.get("tier") or Tier.IRREVERSIBLE.value)
        except ValueError:
            tier = Tier.IRREVERSIBLE
        index = payload.get("rule_index")
        rule_index = index if isinstance(index, int) else None
        rule_name = str(payload.get("rule_name") or "")
        rule = payload.get("rule") or (
            rule_label(rule_index, rule_name) if rule_index is not None else "direct"
        )
        inputs = payload.get("inputs")
        approval = payload.get("approval")
        taint = payload.get("taint")
        return cls(
            kind=kind,
            name=name,
            provenance=str(payload.get("provenance") or "unknown"),
            tier=tier,
            yolo=payload.get("yolo") is True,
            on_blocked=payload.get("on_blocked"),
            rule=str(rule),
            rule_index=rule_index,
            rule_name=rule_name,
            rule_key=str(payload.get("rule_key") or ""),
            argument=payload.get("argument"),
            inputs=inputs if isinstance(inputs, dict) else {},
            human_log=str(payload.get("human_log") or ""),
            on_result=payload.get("on_result"),
            error=payload.get("error"),
            approval_id=approval if isinstance(approval, int) else None,
            taint=tuple(str(entry) for entry in taint) if isinstance(taint, list) else (),
            shadow=payload.get("shadow") is True,
        )
