"""Approvals: irreversible actions that wait for a person (``on_blocked: ask``, chat proposals).

An automation's approval points at the ledger row it holds in ``pending_approval``; approving
queues the very same action at priority 2 with ``human`` provenance, and the ledger moves that row
on to ``started`` exactly once. Rejection and expiry are recorded on both rows and audited. Expiry
is checked whenever approvals are read or answered (no background job needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from orchestrator.actions.intents import ActionIntent, kind_of
from orchestrator.actions.ledger import ledger_failed, ledger_mark
from orchestrator.audit import audit
from orchestrator.models import ActionRecord, Approval, AuditEntry, Task
from orchestrator.queue import enqueue
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.provenance import Provenance

APPROVAL_TTL = timedelta(hours=24)
APPROVED_PRIORITY = 2
VALID_OPTIONS = ("approve", "reject")
AUTOMATION_OPTIONS = [{"id": "approve", "label": "Approve"}, {"id": "reject", "label": "Reject"}]


class ApprovalError(Exception):
    """A decision that cannot be taken; ``status`` is the HTTP status the API answers with."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class ApprovalDecision:
    status: str  # approved | rejected
    task: Task | None = None


def _audit(approval: Approval, message: str, *, warning: bool = False) -> None:
    audit(
        message,
        level=AuditEntry.Level.WARNING if warning else AuditEntry.Level.INFO,
        integration_id=approval.integration_id,
        item_key=approval.item.key if approval.item else "",
        action=approval.action,
        provenance=approval.provenance,
    )


def approval_create(*, intent: ActionIntent, record: ActionRecord) -> Approval:
    """A pending approval for an automation's irreversible action (its record is already pending)."""
    description = f"{intent.describe()} on {intent.where()} ({intent.rule}, {intent.provenance} provenance)"
    approval = Approval.objects.create(
        source=Approval.Source.AUTOMATION,
        action=intent.action,
        parameters={"argument": intent.argument} if intent.kind is ActionKind.PLATFORM else intent.inputs,
        description=description,
        provenance=intent.provenance,
        integration_id=intent.integration_id,
        item=intent.item,
        rule=intent.rule,
        options=AUTOMATION_OPTIONS,
        action_record=record,
        expires_at=timezone.now() + APPROVAL_TTL,
    )
    _audit(approval, f"Approval #{approval.pk} needed: {description} — approve or reject it in the dashboard")
    return approval


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
    _audit(approval, f"Approval #{approval.pk} expired unanswered: {approval.description}", warning=True)


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
        locked = Approval.objects.select_for_update().select_related("item").get(pk=approval.pk)
        if locked.is_expired():
            approval_expire(locked)
    with transaction.atomic():
        approval = (
            Approval.objects.select_for_update().select_related("item", "action_record").get(pk=approval.pk)
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
            _audit(approval, f"Approval #{approval.pk} rejected: {approval.description}")
            return ApprovalDecision("rejected")
        approval.status = Approval.Status.APPROVED
        approval.save(update_fields=["status", "decided_at"])
        task = _enqueue_approved(approval)  # a ValueError (ServiceError) rolls the approval back
        approval.task = task
        approval.save(update_fields=["task"])
        _audit(
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
    _audit(approval, f"Approval #{approval.pk} approved but could not be queued: {error}", warning=True)


def _enqueue_approved(approval: Approval) -> Task:
    record = approval.action_record
    if record is None:  # a chat proposal: a service call answered in its conversation
        from orchestrator.actions.services import service_enqueue

        return service_enqueue(
            instance_id=approval.action,
            inputs=dict(approval.parameters or {}),
            provenance=Provenance.HUMAN.value,
            on_result="chat_reply",
            conversation_id=approval.conversation_id,
            priority=APPROVED_PRIORITY,
            approval=approval.pk,
        )
    item = record.item
    if record.item_id is not None and item is None:
        raise ApprovalError(409, f"Approval {approval.pk}: its item no longer exists")
    kind, name = kind_of(record.action)
    parameters = record.parameters or {}
    if kind is ActionKind.PLATFORM:
        return _enqueue_platform_action(approval, record, name, parameters)
    intent = ActionIntent(
        kind=kind,
        name=name,
        integration_id=record.integration_id,
        item=item,
        rule=record.rule,
        provenance=Provenance.HUMAN.value,
        yolo=record.yolo,
        inputs=dict(parameters.get("inputs") or {}),
        on_result=parameters.get("on_result"),
        human_log=str(parameters.get("human_log") or ""),
        approval_id=approval.pk,
    )
    if kind is ActionKind.SCRIPT:
        from orchestrator.actions.script_runs import script_enqueue

        return script_enqueue(intent=intent, priority=APPROVED_PRIORITY)
    from orchestrator.actions.services import intent_enqueue

    return intent_enqueue(intent=intent, priority=APPROVED_PRIORITY)


def _enqueue_platform_action(
    approval: Approval, record: ActionRecord, name: str, parameters: dict[str, object]
) -> Task:
    item = record.item
    if item is None:
        raise ApprovalError(409, f"Approval {approval.pk}: a platform action needs its item")
    action = {
        "kind": ActionKind.PLATFORM.value,
        "name": name,
        "argument": parameters.get("argument"),
        "provenance": Provenance.HUMAN.value,
        "yolo": record.yolo,
        "on_blocked": None,
        "rule": record.rule,
        "approval": approval.pk,
    }
    type_name = item.integration_id.split(".", 1)[0]
    return enqueue(
        f"{type_name}.{item.platform}.act",
        {
            "integration": item.integration_id,
            "platform": item.platform,
            "items": [{"item": item.pk, "actions": [action]}],
        },
        priority=APPROVED_PRIORITY,
    )
