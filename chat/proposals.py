"""Proposal cards: an action the chat LLM proposed, run only when the person approves it.

A proposal is an ``orchestrator.Approval`` (source ``chat``) shown in its conversation as a
confirmation message whose metadata is the card (docs/CHAT.md). Answering goes through the same
``approval_decide`` as the approvals API: approving queues the service at priority 2 with
``human`` provenance, its result comes back through the ``chat_reply`` route (:mod:`chat.results`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from chat.errors import ChatError
from chat.models import Message
from chat.proposables import Proposal
from chat.selectors import conversation_get
from chat.store import message_link_task, message_store, notice_store
from chat.wire import timestamp
from orchestrator.actions.approvals import (
    APPROVAL_TTL,
    ApprovalError,
    approval_decide,
    approval_expire,
)
from orchestrator.actions.services import ServiceError
from orchestrator.audit import audit
from orchestrator.models import Approval

PROCESSING = "Processing…"
CANCELLED = "Action cancelled."


@dataclass(frozen=True)
class Answered:
    message: Message  # the system message answering the person
    task_uid: str = ""


def proposal_create(*, conversation_id: str, proposal: Proposal, task_uid: str) -> Message:
    """Store the pending approval and its confirmation card (call inside the turn's transaction)."""
    target = proposal.target
    approval = Approval.objects.create(
        source=Approval.Source.CHAT,
        action=target.instance_id,
        parameters=proposal.parameters,
        description=proposal.description,
        provenance="llm",  # who asked; an approved run carries ``human`` provenance
        integration_id=target.integration_id,
        options=target.options,
        conversation_id=conversation_id,
        expires_at=timezone.now() + APPROVAL_TTL,
    )
    audit(
        f"Chat proposal #{approval.pk} waiting for approval: {proposal.description}",
        integration_id=target.integration_id,
        action=target.instance_id,
        provenance="llm",
    )
    return message_store(
        conversation_id=conversation_id,
        role=Message.Role.SYSTEM,
        type=Message.Type.CONFIRMATION,
        content=proposal.description,
        metadata=card_metadata(approval),
        stored_by_task=task_uid,
        approval=approval,
    )


def card_metadata(approval: Approval) -> dict[str, Any]:
    return {
        "proposal_id": str(approval.pk),
        "action": approval.action,
        "parameters": approval.parameters,
        "description": approval.description,
        "options": approval.options,
        "status": approval.status,
        "expires_at": timestamp(approval.expires_at),
    }


def card_refresh(approval: Approval) -> None:
    """Write the proposal's current status into its card."""
    for card in Message.objects.filter(approval=approval, type=Message.Type.CONFIRMATION):
        card.metadata = card_metadata(approval)
        card.save(update_fields=["metadata"])


def _proposal_get(conversation_id: str, proposal_id: str) -> Approval:
    approval = None
    if proposal_id.isdigit():
        approval = Approval.objects.filter(
            pk=int(proposal_id), source=Approval.Source.CHAT, conversation_id=conversation_id
        ).first()
    if approval is None:
        raise ChatError(404, f"Proposal '{proposal_id}' not found in conversation '{conversation_id}'")
    return approval


def _expire(approval: Approval) -> None:
    with transaction.atomic():
        approval = Approval.objects.select_for_update().get(pk=approval.pk)
        if approval.is_expired():
            approval_expire(approval)
            card_refresh(approval)


def proposal_answer(*, conversation_id: str, proposal_id: str, option: Any) -> Answered:
    """Approve or reject a proposal: the person's response, the card's status, the system reply.

    404 unknown conversation/proposal; 409 already answered or expired (the expiry is recorded);
    400 an option other than approve/reject.
    """
    conversation_get(conversation_id)
    approval = _proposal_get(conversation_id, proposal_id)
    if approval.is_expired():
        _expire(approval)
        raise ChatError(409, f"Proposal {proposal_id} has expired")
    if approval.status != Approval.Status.PENDING:
        raise ChatError(409, f"Proposal {proposal_id} was already answered ({approval.status})")
    if not isinstance(option, str):
        option = repr(option)
    try:
        with transaction.atomic():
            decision = approval_decide(approval=approval, option=option)
            return _record_answer(
                conversation_id, approval, option, decision.task.uid if decision.task else ""
            )
    except ApprovalError as exc:
        raise ChatError(exc.status, exc.detail.replace("Approval", "Proposal", 1)) from None
    except ServiceError as exc:
        # The service became unusable since the proposal (integration disabled, schema changed).
        return _record_failure(conversation_id, approval, option, str(exc))


def _store_response(conversation_id: str, approval: Approval, option: str) -> None:
    message_store(
        conversation_id=conversation_id,
        role=Message.Role.USER,
        type=Message.Type.RESPONSE,
        content=option,
        metadata={"proposal_id": str(approval.pk), "option": option},
    )


def _record_answer(conversation_id: str, approval: Approval, option: str, task_uid: str) -> Answered:
    approval.refresh_from_db()
    card_refresh(approval)
    _store_response(conversation_id, approval, option)
    content = PROCESSING if task_uid else CANCELLED
    metadata: dict[str, Any] = {"proposal_id": str(approval.pk), "status": approval.status}
    if task_uid:
        metadata["task_id"] = task_uid
    reply = notice_store(conversation_id, content, metadata=metadata)
    if task_uid:
        message_link_task(reply, task_uid)
    return Answered(reply, task_uid)


def _record_failure(conversation_id: str, approval: Approval, option: str, error: str) -> Answered:
    with transaction.atomic():
        Approval.objects.filter(pk=approval.pk).update(
            status=Approval.Status.FAILED, decided_at=timezone.now()
        )
        approval.refresh_from_db()
        card_refresh(approval)
        _store_response(conversation_id, approval, option)
        reply = notice_store(
            conversation_id,
            f"Could not run {approval.action}: {error}",
            metadata={"proposal_id": str(approval.pk), "status": approval.status},
        )
    audit(
        f"Chat proposal #{approval.pk} approved but could not be queued: {error}",
        integration_id=approval.integration_id,
        action=approval.action,
        provenance="human",
    )
    return Answered(reply)
