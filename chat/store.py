"""Storing messages: the one place that inserts into a conversation.

Each insert takes the conversation's row lock first, so ids are handed out and committed in the
same order per conversation (on PostgreSQL too, where sequence values can otherwise commit out of
order) — a consumer that streams "ids above the last one sent" cannot skip one.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from chat import push
from chat.errors import conversation_not_found
from chat.models import Conversation, Message
from orchestrator.models import Approval

TITLE_MAX = 60


def title_from(content: str) -> str:
    """The first user chat message, whitespace collapsed, at most 60 characters."""
    return re.sub(r"\s+", " ", content).strip()[:TITLE_MAX]


def conversation_locked(conversation_id: str) -> Conversation:
    """The conversation, row-locked until the surrounding transaction ends; 404 when unknown."""
    conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
    if conversation is None:
        raise conversation_not_found(conversation_id)
    return conversation


def message_store(
    *,
    conversation_id: str,
    role: str,
    type: str,  # the wire's own name for it
    content: str,
    metadata: dict[str, Any] | None = None,
    stored_by_task: str = "",
    approval: Approval | None = None,
) -> Message:
    """Append a message (in the caller's transaction, if any) and wake the websockets on commit."""
    with transaction.atomic():
        conversation = conversation_locked(conversation_id)
        message = Message.objects.create(
            conversation=conversation,
            role=role,
            type=type,
            content=content,
            metadata=metadata,
            stored_by_task=stored_by_task,
            approval=approval,
        )
        conversation.last_activity = message.created_at
        fields = ["last_activity"]
        if type == Message.Type.CLEAR:
            conversation.cleared_through = message.id
            conversation.title = ""
            fields += ["cleared_through", "title"]
        elif role == Message.Role.USER and type == Message.Type.CHAT and not conversation.title:
            conversation.title = title_from(content)
            fields.append("title")
        conversation.save(update_fields=fields)
        push.wake(conversation_id)
    return message


def notice_store(
    conversation_id: str, content: str, *, metadata: dict[str, Any] | None = None, stored_by_task: str = ""
) -> Message:
    """Append a system notice: Steward itself speaking (a result, a failure), not the assistant."""
    return message_store(
        conversation_id=conversation_id,
        role=Message.Role.SYSTEM,
        type=Message.Type.SYSTEM,
        content=content,
        metadata=metadata,
        stored_by_task=stored_by_task,
    )


def message_link_task(message: Message, task_uid: str) -> None:
    """Remember which task *message* queued, so websockets report that task's progress."""
    Message.objects.filter(pk=message.pk).update(queued_task=task_uid)
    message.queued_task = task_uid


def conversation_create() -> Conversation:
    now = timezone.now()
    return Conversation.objects.create(created_at=now, last_activity=now)
