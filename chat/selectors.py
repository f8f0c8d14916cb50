"""Read queries over conversations and messages, shared by the API, the websocket and the page.

Everything a person sees of a conversation starts after its last ``/clear`` marker.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet

from chat.errors import conversation_not_found
from chat.models import Conversation, Message
from chat.wire import message_out, timestamp

UNTITLED = "New conversation"


def conversation_get(conversation_id: str) -> Conversation:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise conversation_not_found(conversation_id)
    return conversation


def conversation_list() -> list[dict[str, Any]]:
    """Conversations with messages since their last /clear, most recent activity first."""
    visible = Q(messages__id__gt=F("cleared_through"))
    rows = (
        Conversation.objects.annotate(message_count=Count("messages", filter=visible))
        .filter(message_count__gt=0)
        .order_by("-last_activity", "-created_at")
    )
    return [
        {
            "id": row.id,
            "title": row.title or UNTITLED,
            "message_count": row.message_count,
            "created_at": timestamp(row.created_at),
            "last_activity": timestamp(row.last_activity),
        }
        for row in rows
    ]


def _with_cards(messages: QuerySet[Message]) -> QuerySet[Message]:
    return messages.select_related("approval").order_by("id")


def visible_messages(conversation: Conversation) -> QuerySet[Message]:
    return _with_cards(conversation.messages.filter(id__gt=conversation.cleared_through))


def conversation_history(conversation_id: str) -> dict[str, Any]:
    conversation = conversation_get(conversation_id)
    return {
        "conversation_id": conversation.id,
        "messages": [message_out(m) for m in visible_messages(conversation)],
    }


def messages_after(conversation_id: str, after_id: int, *, limit: int = 500) -> list[Message]:
    """Messages stored after *after_id* (markers included), oldest first: the websocket's stream."""
    return list(_with_cards(Message.objects.filter(conversation_id=conversation_id, id__gt=after_id))[:limit])


def last_message_id(conversation_id: str) -> int:
    last = (
        Message.objects.filter(conversation_id=conversation_id).order_by("-id").values_list("id", flat=True)
    )
    return int(last.first() or 0)


def messages_stored_by(task_uid: str) -> list[dict[str, Any]]:
    return [message_out(m) for m in _with_cards(Message.objects.filter(stored_by_task=task_uid))]
