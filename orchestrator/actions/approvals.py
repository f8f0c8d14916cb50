"""Answering approvals: irreversible actions that wait for a person (``on_blocked: ask``, chat).

The gate creates an automation's approval (:mod:`orchestrator.actions.gate`), chat creates a
proposal's; this module only answers and expires them, and nothing in the core imports it. An
automation's approval points at the ledger row it holds in ``pending_approval``; approving queues
the very same action at priority 2 with ``human`` provenance through
:func:`orchestrator.actions.dispatch.action_enqueue`, and the ledger moves that row on to
``started`` exactly once. Rejection and expiry are recorded on both rows and audited. Expiry
is checked whenever approvals are read or answered (no background job needed).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from integrations.base import Tier
from orchestrator.actions.dispatch import action_enqueue
from orchestrator.actions.intents import ActionIntent, kind_of
from orchestrator.actions.ledger import ledger_failed, ledger_mark
from orchestrator.audit import action_audit
from orchestrator.models import ActionRecord, Approval, Task
from orchestrator.models.approvals import APPROVAL_TTL
from orchestrator.refusals import Refusal
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.provenance import Provenance

__all__ = [
    "APPROVAL_TTL",
    "ApprovalDecision",
    "ApprovalError",
    "approval_decide",
    "approval_expire",
    "approval_fail",
    "approval_intent",
    "approvals_expire_due",
]

APPROVED_PRIORITY = 2
VALID_OPTIONS = ("approve", "reject")


class ApprovalError(Refusal):
    """A decision that cannot be taken; ``status`` is the HTTP status the API answers with."""


@dataclass(frozen=True)
class ApprovalDecision:
    status: str  # approved | rejected
    task: Task | None = None


def _close_record(approval: Approval, summary: str) -> None:
    record = approval.action_record
    if record is not None and record.status == ActionRecord.Status.PENDING_APPROVAL:
        ledger_mark(record, ActionRecord.Status.BLOCKED, summary=summary)


def approval_expire(approval: Approval) -> None:
    """Record that nobody answered in time (call with a pending approval past ``expires_at``)."""
    approval.status = Approval.Status.EXPIRED
    approval.decided_at = timezone.now()
    approval.save(update_fields=["status", "decided_at"])
    _close_record(approval, "approval expired: nobody answered in time")
    action_audit(
        approval, f"Approval #{approval.pk} expired unanswered: {approval.description}", warning=True
    )


def approvals_expire_due() -> int:
    """Expire every pending approval past its time; returns how many."""
    due = Approval.objects.filter(status=Approval.Status.PENDING, expires_at__lte=timezone.now())
    expired = 0
    for approval in due.select_related("item", "action_record"):
        with transaction.atomic():
            if Approval.objects.filter(pk=approval.pk, status=Approval.Status.PENDING).exists():
                approval_expire(approval)
                expired += 1
    return expired


def approval_decide(*, approval: Approval, option: str) -> ApprovalDecision:
    """Approve (queue the action at priority 2 with human provenance) or reject a pending approval.

    Raises :class:`ApprovalError` 409 when it was already answered or has expired (the expiry is
    recorded), 400 for an option other than approve/reject; a ``ValueError`` (``ServiceError``)
    when the approved action cannot be queued any more — nothing is changed then, and the caller
    records it with :func:`approval_fail`.
    """
    with transaction.atomic():  # its own transaction: the 409 below must not roll the expiry back
        locked = Approval.objects.select_for_update(of=("self",)).select_related("item").get(pk=approval.pk)
        if locked.is_expired():
            approval_expire(locked)
    with transaction.atomic():
        approval = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("item", "action_record")
            .get(pk=approval.pk)
        )
        if approval.status != Approval.Status.PENDING:
            raise ApprovalError(409, f"Approval {approval.pk} is already {approval.status}")
        if option not in VALID_OPTIONS:
            raise ApprovalError(400, f"Invalid option '{option}'. Valid options: {', '.join(VALID_OPTIONS)}")
        approval.decided_at = timezone.now()
        if option == "reject":
            approval.status = Approval.Status.REJECTED
            approval.save(update_fields=["status", "decided_at"])
            _close_record(approval, "rejected by a person")
            action_audit(approval, f"Approval #{approval.pk} rejected: {approval.description}")
            return ApprovalDecision("rejected")
        approval.status = Approval.Status.APPROVED
        approval.save(update_fields=["status", "decided_at"])
        # A ValueError (ServiceError) here rolls the approval back.
        task = action_enqueue(approval_intent(approval), priority=APPROVED_PRIORITY)
        approval.task = task
        approval.save(update_fields=["task"])
        action_audit(
            approval,
            f"Approval #{approval.pk} approved: {approval.description} (queued with human provenance)",
        )
        return ApprovalDecision("approved", task)


def approval_fail(*, approval: Approval, error: str) -> None:
    """Record that an approved action could not even be queued (its service or script changed)."""
    with transaction.atomic():
        Approval.objects.filter(pk=approval.pk).update(
            status=Approval.Status.FAILED, decided_at=timezone.now()
        )
        approval.refresh_from_db()
        record = approval.action_record
        if record is not None and record.status == ActionRecord.Status.PENDING_APPROVAL:
            ledger_failed(record, error=f"approved, but could not be queued: {error}")
    message = f"Approval #{approval.pk} approved but could not be queued: {error}"
    action_audit(approval, message, warning=True)


def approval_intent(approval: Approval) -> ActionIntent:
    """The very action *approval* was asked for, now with ``human`` provenance.

    An automation's approval re-plans the action its ledger row holds (the ledger moves that row on
    from ``pending_approval`` exactly once); a chat proposal is a service call answered in its
    conversation.
    """
    record = approval.action_record
    if record is None:
        return ActionIntent(
            kind=ActionKind.SERVICE,
            name=approval.action,
            integration_id=approval.integration_id,
            item=None,
            rule="chat",
            provenance=Provenance.HUMAN.value,
            inputs=dict(approval.parameters or {}),
            on_result="chat_reply",
            conversation_id=approval.conversation_id,
            approval_id=approval.pk,
        )
    if record.item_id is not None and record.item is None:
        raise ApprovalError(409, f"Approval {approval.pk}: its item no longer exists")
    kind, name = kind_of(record.action)
    if kind is ActionKind.PLATFORM and record.item is None:
        raise ApprovalError(409, f"Approval {approval.pk}: a platform action needs its item")
    parameters = record.parameters or {}
    return ActionIntent(
        kind=kind,
        name=name,
        integration_id=record.integration_id,
        item=record.item,
        rule=record.rule,
        provenance=Provenance.HUMAN.value,
        yolo=record.yolo,
        argument=parameters.get("argument"),
        inputs=dict(parameters.get("inputs") or {}),
        on_result=parameters.get("on_result"),
        human_log=str(parameters.get("human_log") or ""),
        approval_id=approval.pk,
        tier=Tier(record.tier),
    )
