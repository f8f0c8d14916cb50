"""From a planned action to its effect, by kind: platform actions in-line, scripts and services as tasks.

The act stage hands every :class:`~orchestrator.rules.planned.PlannedAction` to
:func:`planned_action_dispatch`. Scripts and services are checked here first — already done, not
allowed, or malformed requests never become tasks — and their own handlers gate them again.
:func:`action_enqueue` is the one way to queue an action of any kind: the act stage's scripts and
services, and the actions a person approved (:mod:`orchestrator.actions.approvals`).
"""

from __future__ import annotations

from integrations.base import Tier
from orchestrator.actions.gate import ActionResult, Outcome, intent_admit, outcome_count
from orchestrator.actions.intents import ActionIntent, intent_of
from orchestrator.actions.ledger import (
    Begin,
    ledger_begin,
    ledger_failed,
    ledger_may_run,
    ledger_outcome_unknown,
    ledger_peek,
)
from orchestrator.actions.platform_actions import platform_action_run
from orchestrator.actions.script_runs import SCRIPT_PRIORITY, script_enqueue
from orchestrator.actions.services import (
    SERVICE_PRIORITY,
    ServiceError,
    intent_enqueue,
    service_check,
    service_resolve,
)
from orchestrator.actions.shadow import shadow_record
from orchestrator.audit import action_audit
from orchestrator.models import ActionRecord, Item, Run, Script, Task
from orchestrator.pipeline.context import StageContext
from orchestrator.pipeline.next_stage import ACT_PRIORITY, ActEntry, act_enqueue
from orchestrator.rules.actions import ActionKind, reversible_tier
from orchestrator.rules.planned import PlannedAction
from orchestrator.rules.safety import Decision, runtime_decision


def planned_action_dispatch(
    *, ctx: StageContext, item: Item, planned: PlannedAction, task: Task
) -> ActionResult:
    intent = intent_of(planned, integration_id=ctx.integration_id, item=item)
    if planned.shadow:  # before anything that could run it: a shadow row is only ever recorded
        return shadow_record(intent, task=task)
    if planned.error:
        return _record_failure(intent, planned.error, task)
    if intent.kind is ActionKind.PLATFORM:
        return platform_action_run(ctx=ctx, intent=intent, task=task)
    return _queue(intent, task)


def action_enqueue(intent: ActionIntent, *, priority: int | None = None, run: Run | None = None) -> Task:
    """Queue *intent* by its kind: a platform action as an act task for its item, a script as
    ``script.run``, a service as ``service.<type>.<service>``. Scripts and services are checked
    first (``ValueError``/``ServiceError`` says what is wrong); every runner gates again. Each
    kind has its own default priority.
    """
    if intent.kind is ActionKind.SCRIPT:
        return script_enqueue(
            intent=intent, priority=SCRIPT_PRIORITY if priority is None else priority, run=run
        )
    if intent.kind is ActionKind.SERVICE:
        return intent_enqueue(
            intent=intent, priority=SERVICE_PRIORITY if priority is None else priority, run=run
        )
    if intent.item is None:
        raise ValueError(f"platform action {intent.name!r} needs its item, which no longer exists")
    entry: ActEntry = {"item": intent.item.pk, "actions": [intent.to_payload()]}
    [task] = act_enqueue(intent.item, [entry], run, priority=ACT_PRIORITY if priority is None else priority)
    return task


def _record_failure(intent: ActionIntent, error: str, task: Task) -> ActionResult:
    """A request that cannot run at all (a template failed, unknown service): ledger + audit."""
    slot = ledger_begin(intent, tier=Tier.IRREVERSIBLE, task=task)
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
    action_enqueue(intent, run=task.run)
    return ActionResult(Outcome.QUEUED, existing.pk if existing else None)
