"""Evaluation: (snapshot, classification, compiled automations, now) → planned actions.

Pure and total (SPEC §5 evaluate, §6): no ORM, no network, and no exception for any classification
the LLM may return — wrong types, out-of-range numbers, ``None``, missing keys all simply fail to
match. Every matching rule contributes its actions, in order; each planned action carries the
provenance of the rule that produced it and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from integrations.base import Tier
from orchestrator.rules.actions import ActionKind, ActionTemplate
from orchestrator.rules.automations import CompiledAutomation
from orchestrator.rules.provenance import Provenance
from orchestrator.rules.templates import TemplateRenderError, render, render_context


@dataclass(frozen=True)
class PlannedAction:
    """One action an automation wants for one item, rendered, not yet gated or run.

    ``tier`` is the tier known at compile time; runners re-derive it for scripts and services
    (their reversibility may have changed) before asking :func:`~orchestrator.rules.safety.runtime_decision`.
    ``error`` is set when a template failed for this item: the action must be recorded as failed.
    """

    kind: ActionKind
    name: str  # platform action, script name, or service instance id
    provenance: Provenance
    tier: Tier
    yolo: bool
    rule_index: int
    rule_name: str
    on_blocked: str | None
    argument: Any = None  # platform actions
    inputs: dict[str, Any] = field(default_factory=dict)  # scripts and services
    human_log: str = ""  # services
    on_result: Any = None  # services
    error: str | None = None

    def as_payload(self) -> dict[str, Any]:
        """Plain JSON for a task payload or a ledger row."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "provenance": self.provenance.value,
            "tier": self.tier.value,
            "yolo": self.yolo,
            "rule_index": self.rule_index,
            "rule_name": self.rule_name,
            "on_blocked": self.on_blocked,
            "argument": self.argument,
            "inputs": self.inputs,
            "human_log": self.human_log,
            "on_result": self.on_result,
            "error": self.error,
        }


def evaluate(
    snapshot: Any,
    classification: Any,
    automations: Iterable[CompiledAutomation],
    *,
    now: datetime,
) -> list[PlannedAction]:
    """The actions of every automation whose conditions hold, in rule order. Never raises."""
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    context: dict[str, Any] | None = None
    planned: list[PlannedAction] = []
    for automation in automations:
        if not automation.matches(snapshot, classification, moment):
            continue
        if context is None:
            context = render_context(snapshot, classification)
        planned.extend(plan(automation, action, context) for action in automation.actions)
    return planned


def plan(automation: CompiledAutomation, action: ActionTemplate, context: dict[str, Any]) -> PlannedAction:
    """Render one action of a matching rule; a template failure becomes ``error``, not an exception."""
    argument: Any = None
    inputs: Any = {}
    human_log = ""
    error = None
    try:
        argument = None if action.argument is None else render(action.argument, context)
        inputs = render(action.inputs, context)
        human_log = str(render(action.human_log, context))
    except TemplateRenderError as exc:
        error = f"a template failed for this item: {exc}"
    return PlannedAction(
        kind=action.kind,
        name=action.name,
        provenance=automation.provenance,
        tier=action.tier,
        yolo=action.yolo,
        rule_index=automation.index,
        rule_name=automation.name,
        on_blocked=automation.on_blocked,
        argument=argument,
        inputs=inputs if isinstance(inputs, dict) else {},
        human_log=human_log,
        on_result=action.on_result,
        error=error,
    )
