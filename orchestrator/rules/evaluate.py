"""Evaluation: (snapshot, classification, compiled automations, now) → planned actions.

Pure and total (docs/SAFETY.md): no ORM, no network, and no exception for any classification
the LLM may return — wrong types, out-of-range numbers, ``None``, missing keys all simply fail to
match. Every matching rule contributes its actions, in order; each planned action carries the
provenance of the rule that produced it and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from orchestrator.rules.actions import ActionTemplate
from orchestrator.rules.automations import CompiledAutomation, rule_label
from orchestrator.rules.planned import PlannedAction
from orchestrator.rules.templates import TemplateRenderError, render, render_context


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
        rule=rule_label(automation.index, automation.name),
        rule_index=automation.index,
        rule_name=automation.name,
        on_blocked=automation.on_blocked,
        argument=argument,
        inputs=inputs if isinstance(inputs, dict) else {},
        human_log=human_log,
        on_result=action.on_result,
        error=error,
        taint=tuple(parameter.describe() for parameter in action.taint),
        shadow=automation.shadow,
    )
