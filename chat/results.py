"""The ``chat_reply`` result route: a service's result (or failure) posted into its conversation.

Registered with :func:`orchestrator.actions.results.result_route_register` when the chat app is
ready, in every process (the worker that runs the service is the one that posts).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from chat.errors import ChatError
from chat.proposals import card_refresh
from chat.store import notice_store
from orchestrator.actions.results import ServiceResult, result_route_register
from orchestrator.models import Approval

logger = logging.getLogger(__name__)

RESULT_MAX_CHARS = 20_000


def _approval_of(result: ServiceResult) -> Approval | None:
    if result.task is None:
        return None
    approval_id = (result.task.payload or {}).get("approval")
    found = Approval.objects.filter(task=result.task).first()
    if found is None and approval_id:
        found = Approval.objects.filter(pk=approval_id).first()
    return found


def service_result_post(result: ServiceResult) -> None:
    """Store the result as a system message of its conversation (which wakes its websockets)."""
    approval = _approval_of(result)
    metadata: dict[str, Any] = {
        "action": result.instance_id,
        "title": result.title,
        "status": "done" if result.ok else "failed",
    }
    if approval is not None:
        metadata["proposal_id"] = str(approval.pk)
    if result.task is not None:
        metadata["task_id"] = result.task.uid
    if result.ok:
        content = result.text or result.title
        if len(content) > RESULT_MAX_CHARS:
            content = content[:RESULT_MAX_CHARS] + "\n\n(truncated)"
    else:
        content = f"{result.title} failed: {result.error}"
    try:
        with transaction.atomic():
            if not result.ok and approval is not None and approval.status == Approval.Status.APPROVED:
                Approval.objects.filter(pk=approval.pk).update(status=Approval.Status.FAILED)
                approval.refresh_from_db()
                card_refresh(approval)
            notice_store(
                result.conversation_id,
                content,
                metadata=metadata,
                stored_by_task=result.task.uid if result.task is not None else "",
            )
    except ChatError:
        logger.warning(
            "result of %s not posted: conversation %s no longer exists",
            result.instance_id,
            result.conversation_id,
        )


def register() -> None:
    result_route_register("chat_reply", service_result_post)
