"""The action ledger: at-most-once for irreversible effects, exactly-once for done ones.

Every action is keyed by (item, rule, action, rendered parameters). A runner calls
:func:`ledger_begin` *before* executing: it records ``started`` (or says not to run), and on a
retry after a crash it tells the runner whether the action was interrupted mid-way. Soft-reversible
actions are then reconciled against the source; irreversible ones are never re-run — they become
``failed`` with "outcome unknown" for a person to check.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from integrations.base import Tier
from orchestrator.audit import action_audit
from orchestrator.models import ActionRecord, Task
from orchestrator.rules.provenance import Provenance

if TYPE_CHECKING:
    from orchestrator.actions.intents import ActionIntent

OUTCOME_UNKNOWN = "outcome unknown (worker died during execution) — check and re-run by hand"


class Begin(enum.Enum):
    RUN = "run"  # fresh (or a plain earlier failure): execute it
    INTERRUPTED = "interrupted"  # found 'started': a worker died mid-way
    SKIP = "skip"  # done, undone, awaiting approval, blocked, or outcome unknown


@dataclass(frozen=True)
class LedgerSlot:
    record: ActionRecord
    begin: Begin


def ledger_begin(
    intent: ActionIntent, *, tier: Tier, task: Task | None, key: str | None = None, approved: bool = False
) -> LedgerSlot:
    """Record that *intent* is about to run, or say why it must not (see :class:`Begin`).

    *key* overrides the intent's own ledger key (an approved action names the record it was
    approved from). *approved* lets a person's approval move a ``pending_approval`` record on to
    ``started``; the record then carries ``human`` provenance.
    """
    with transaction.atomic():
        record, created = ActionRecord.objects.select_for_update().get_or_create(
            ledger_key=key or intent.key(),
            defaults={
                "item": intent.item,
                "integration_id": intent.integration_id,
                "rule": intent.rule,
                "action": intent.action,
                "parameters": intent.parameters,
                "provenance": Provenance.HUMAN.value if approved else intent.provenance,
                "yolo": intent.yolo,
                "tier": tier.value,
                "task": task,
                "rule_key": intent.rule_key,
            },
        )
        if created:
            return LedgerSlot(record, Begin.RUN)
        if record.status == ActionRecord.Status.STARTED:
            if _running_elsewhere(record, task):
                return LedgerSlot(record, Begin.SKIP)  # a live twin task is doing it right now
            return LedgerSlot(record, Begin.INTERRUPTED)
        if record.status == ActionRecord.Status.PENDING_APPROVAL and approved:
            record.status = ActionRecord.Status.STARTED
            record.provenance = Provenance.HUMAN.value
            record.task = task
            record.save(update_fields=["status", "provenance", "task", "updated_at"])
            return LedgerSlot(record, Begin.RUN)
        if record.status == ActionRecord.Status.FAILED and record.error != OUTCOME_UNKNOWN:
            record.status = ActionRecord.Status.STARTED
            record.error = ""
            record.task = task
            record.save(update_fields=["status", "error", "task", "updated_at"])
            return LedgerSlot(record, Begin.RUN)
        return LedgerSlot(record, Begin.SKIP)


def _running_elsewhere(record: ActionRecord, task: Task | None) -> bool:
    """True when another task that still holds a live lease started this record."""
    if record.task_id is None or task is None or record.task_id == task.pk:
        return False
    return Task.objects.filter(
        pk=record.task_id, status=Task.Status.RUNNING, lease_expires_at__gt=timezone.now()
    ).exists()


def ledger_peek(key: str) -> ActionRecord | None:
    return ActionRecord.objects.filter(ledger_key=key).first()


def ledger_may_run(record: ActionRecord | None) -> bool:
    """Would :func:`ledger_begin` run this action afresh (no record, or a plain earlier failure)?"""
    if record is None:
        return True
    return record.status == ActionRecord.Status.FAILED and record.error != OUTCOME_UNKNOWN


def ledger_done(record: ActionRecord, *, summary: str, undo: dict[str, Any] | None = None) -> None:
    record.status = ActionRecord.Status.DONE
    record.summary = summary
    record.undo = undo or None
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "summary", "undo", "finished_at", "updated_at"])


def ledger_failed(record: ActionRecord, *, error: str) -> None:
    record.status = ActionRecord.Status.FAILED
    record.error = error
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "error", "finished_at", "updated_at"])


def ledger_outcome_unknown(record: ActionRecord) -> None:
    ledger_failed(record, error=OUTCOME_UNKNOWN)
    where = record.item.key if record.item else record.integration_id
    action_audit(record, f"{record.action} on {where}: {OUTCOME_UNKNOWN}", warning=True)


def ledger_mark(record: ActionRecord, status: str, *, summary: str = "") -> None:
    """Record a non-executed outcome: ``blocked`` or ``pending_approval``."""
    record.status = status
    record.summary = summary
    record.save(update_fields=["status", "summary", "updated_at"])
