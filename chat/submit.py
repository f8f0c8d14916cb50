"""A user's message arriving over HTTP or the websocket: a command, or a queued chat turn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from chat.commands import command_run, is_command
from chat.errors import ChatError
from chat.models import Message
from chat.selectors import conversation_get
from chat.store import message_link_task, message_store
from orchestrator.queue import enqueue

MAX_CONTENT_BYTES = 32_768
TURN_TASK = "chat.turn"
TURN_PRIORITY = 1


@dataclass(frozen=True)
class Submitted:
    """What became of a message: a command's reply, or the queued chat turn (and the user's line)."""

    message: Message  # the command's reply, or the stored user message
    task_uid: str = ""

    @property
    def is_command(self) -> bool:
        return not self.task_uid


def content_check(content: Any) -> str:
    """The text to store, or a :class:`ChatError` 422 (empty, not text) / 413 (too long)."""
    if not isinstance(content, str):
        raise ChatError(422, "Message content must be a string")
    if len(content.encode("utf-8", errors="surrogatepass")) > MAX_CONTENT_BYTES:
        raise ChatError(413, f"Message too long (max {MAX_CONTENT_BYTES} bytes)")
    if not content.strip():
        raise ChatError(422, "Message content is empty")
    return content.strip()


def message_submit(*, conversation_id: str, content: Any) -> Submitted:
    """Handle one user message: commands at once; anything else stored and a turn queued at priority 1.

    The user's message and its turn are written in one transaction: a message is never stored
    without the task that answers it, nor the reverse.
    """
    conversation_get(conversation_id)
    text = content_check(content)
    if is_command(text):
        with transaction.atomic():
            return Submitted(command_run(conversation_id, text))
    with transaction.atomic():
        message = message_store(
            conversation_id=conversation_id, role=Message.Role.USER, type=Message.Type.CHAT, content=text
        )
        task = enqueue(
            TURN_TASK, {"conversation_id": conversation_id, "message_id": message.id}, priority=TURN_PRIORITY
        )
        message_link_task(message, task.uid)
    return Submitted(message, task.uid)
