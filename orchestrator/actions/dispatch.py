"""From a planned action to its effect: platform actions in-line, scripts and services as tasks.

The act stage hands every :class:`~orchestrator.rules.evaluate.PlannedAction` payload to
:func:`planned_action_dispatch`. Scripts and services are checked here first — already done, not
allowed, or malformed requests never become tasks — and their own handlers gate them again.
"""

from __future__ import annotations

from integrations.base import Tier
from orchestrator.actions.gate import (
    ActionResult,
    Outcome,
    action_audit,
    intent_admit,
    outcome_count,
)
from orchestrator.actions.intents import ActionIntent, intent_from_planned
from orchestrator.actions.ledger import (
    Begin,
    ledger_begin,
    ledger_failed,
    ledger_may_run,
    ledger_outcome_unknown,
    ledger_peek,
)
from orchestrator.actions.platform_actions import platform_action_run
from orchestrator.actions.script_runs import script_enqueue
from orchestrator.actions.services import ServiceError, intent_enqueue, service_check, service_resolve
from orchestrator.models import ActionRecord, Item, Script, Task
from orchestrator.pipeline.context import StageContext
from orchestrator.rules.actions import ActionKind, reversible_tier
from orchestrator.rules.safety import Decision, runtime_decision


def planned_action_dispatch(*, ctx: StageContext, item: Item, payload: dict, task: Task) -> ActionResult:
    intent = intent_from_planned(payload, integration_id=ctx.integration_id, item=item)
    if payload.get("error"):
        return _record_failure(intent, str(payload["error"]), task)
    if intent.kind is ActionKind.PLATFORM:
        return platform_action_run(ctx=ctx, intent=intent, task=task)
    return _queue(intent, task)


def _record_failure(intent: ActionIntent, error: str, task: Task) -> ActionResult:
    """A request that cannot run at all (a template failed, unknown service): ledger + audit."""
    slot = ledger_begin(
        item=intent.item,
        integration_id=intent.integration_id,
        rule=intent.rule,
        action=intent.action,
        parameters=intent.parameters,
        provenance=intent.provenance,
        yolo=intent.yolo,
        tier=Tier.IRREVERSIBLE,
        task=task,
        key=intent.key(),
    )
    if slot.begin is Begin.SKIP:
        return ActionResult(Outcome.SKIPPED, slot.record.pk)
    ledger_failed(slot.record, error=error)
    action_audit(
        intent, f"Failed {intent.describe()} on {intent.where()} ({intent.rule}): {error}", warning=True
    )
    outcome_count(task.run_id, Outcome.FAILED)
    return ActionResult(Outcome.FAILED, slot.record.pk)


def _orphaned(record: ActionRecord) -> bool:
    """Started by a task that is over (dead-lettered after its worker died): nobody will finish it."""
    if record.status != ActionRecord.Status.STARTED:
        return False
    owner = record.task
    return owner is None or owner.status in (Task.Status.DONE, Task.Status.FAILED)


def _tier(intent: ActionIntent) -> Tier:
    if intent.kind is ActionKind.SCRIPT:
        script = Script.objects.filter(name=intent.name).first()
        return reversible_tier(script.reversible if script else False)
    return service_resolve(intent.name).tier


def _check(intent: ActionIntent) -> None:
    if intent.kind is ActionKind.SCRIPT:
        if not Script.objects.filter(name=intent.name).exists():
            raise ValueError(f"script {intent.name!r} is not defined")
        return
    service_check(service_resolve(intent.name), intent.inputs, intent.on_result)


def _queue(intent: ActionIntent, task: Task) -> ActionResult:
    existing = ledger_peek(intent.key())
    if existing is not None and _orphaned(existing):
        ledger_outcome_unknown(existing)
        outcome_count(task.run_id, Outcome.FAILED)
        return ActionResult(Outcome.FAILED, existing.pk)
    if not ledger_may_run(existing):
        return ActionResult(Outcome.SKIPPED, existing.pk if existing else None)
    try:
        _check(intent)  # validated before queueing, as every service request is
        tier = _tier(intent)
    except (ServiceError, ValueError) as exc:
        return _record_failure(intent, str(exc), task)
    decision = runtime_decision(intent.gate_view, intent.provenance, tier)
    if decision in (Decision.BLOCK, Decision.ASK):
        admission = intent_admit(intent, tier=tier, task=task)  # records blocked / pending approval
        outcome_count(task.run_id, admission.outcome)
        return ActionResult(admission.outcome, admission.record.pk)
    if intent.kind is ActionKind.SCRIPT:
        script_enqueue(intent=intent, run=task.run)
    else:
        intent_enqueue(intent=intent, run=task.run)
    return ActionResult(Outcome.QUEUED, existing.pk if existing else None)
