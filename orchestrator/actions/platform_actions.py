"""Platform actions (``tag``, ``archive``, ``move_to``) run in-line by the act stage, via the ledger.

On a retry after a worker died mid-action (the ledger row still ``started``), a soft-reversible
action is reconciled against the source when the platform declares ``reconcile`` — completed if
it already happened, redone otherwise; anything harder is never re-run but recorded as "outcome
unknown" (docs/SAFETY.md).
"""

from __future__ import annotations

from typing import Any

from integrations.base import ActionSpec, Tier
from orchestrator.actions.gate import ActionResult, Outcome, intent_admit, outcome_count
from orchestrator.actions.intents import ActionIntent
from orchestrator.actions.ledger import ledger_done, ledger_failed, ledger_outcome_unknown
from orchestrator.audit import action_audit
from orchestrator.egress.scope import egress_scope
from orchestrator.models import ActionRecord, Task
from orchestrator.pipeline.context import StageContext
from orchestrator.queue.execution import is_permanent

REDO_TIERS = (Tier.READ_ONLY, Tier.SOFT)


def platform_tier(ctx: StageContext, name: str) -> Tier:
    """The platform's declared tier; an action it does not declare counts as irreversible."""
    spec = ctx.spec.actions.get(name)
    return spec.tier if spec is not None else Tier.IRREVERSIBLE


def _fail(intent: ActionIntent, record: ActionRecord, task: Task, error: str, *, final: bool) -> ActionResult:
    ledger_failed(record, error=error)
    if final:
        action_audit(
            intent, f"Failed {intent.describe()} on {intent.where()} ({intent.rule}): {error}", warning=True
        )
        outcome_count(task.run_id, Outcome.FAILED)
    return ActionResult(Outcome.FAILED, record.pk, retry=not final)


def _reconciled(ctx: StageContext, spec: ActionSpec, intent: ActionIntent, snapshot: dict[str, Any]) -> bool:
    return spec.reconcile is not None and spec.reconcile(ctx, snapshot, intent.argument) is True


def platform_action_run(*, ctx: StageContext, intent: ActionIntent, task: Task) -> ActionResult:
    """Admit, run and record one platform action on ``intent.item``."""
    tier = platform_tier(ctx, intent.name)
    admission = intent_admit(intent, tier=tier, task=task)
    record = admission.record
    if not admission.may_run:
        outcome_count(task.run_id, admission.outcome)
        return ActionResult(admission.outcome, record.pk)
    spec = ctx.spec.actions.get(intent.name)
    snapshot = dict(intent.item.snapshot or {}) if intent.item else {}
    if spec is None:
        return _fail(intent, record, task, f"the platform declares no action {intent.name!r}", final=True)
    if admission.outcome is Outcome.INTERRUPTED:
        if tier not in REDO_TIERS:
            ledger_outcome_unknown(record)
            outcome_count(task.run_id, Outcome.FAILED)
            return ActionResult(Outcome.FAILED, record.pk)
        if _reconciled(ctx, spec, intent, snapshot):
            ledger_done(record, summary=f"{intent.describe()}: found done after the worker died")
            action_audit(intent, f"Completed {intent.describe()} on {intent.where()} (found done on retry)")
            outcome_count(task.run_id, Outcome.DONE)
            return ActionResult(Outcome.DONE, record.pk)
    try:
        item_id = intent.item.pk if intent.item else None
        with egress_scope(purpose=intent.name, item_id=item_id, integration_id=intent.integration_id):
            done = spec.run(ctx, snapshot, intent.argument)
    except Exception as exc:
        final = is_permanent(exc) or task.attempts >= task.max_attempts
        return _fail(intent, record, task, f"{type(exc).__name__}: {exc}", final=final)
    ledger_done(record, summary=done.summary, undo=done.undo)
    action_audit(
        intent,
        f"{done.summary} ({intent.describe()} on {intent.where()}, {intent.rule}, "
        f"{record.provenance} provenance)",
    )
    outcome_count(task.run_id, Outcome.DONE)
    return ActionResult(Outcome.DONE, record.pk)
