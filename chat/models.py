"""Conversations and their messages. Proposals are ``orchestrator.Approval`` rows.

Message ids are the storage order: every insert happens while holding the conversation's row lock
(:func:`chat.store.message_store`), so within a conversation a higher id is also committed later —
which is what lets a websocket consumer stream "every message with an id above the last one sent".

``/clear`` stores a *clear marker* (a message of type ``clear``) and remembers its id in
``Conversation.cleared_through``: history, context, titles and counts only see messages after it.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone


def new_conversation_id() -> str:
    """16 lowercase hex characters, random."""
    return secrets.token_hex(8)


class Conversation(models.Model):
    id = models.CharField(primary_key=True, max_length=16, default=new_conversation_id, editable=False)
    title = models.CharField(max_length=60, blank=True, help_text="First user chat message since /clear")
    cleared_through = models.BigIntegerField(default=0, help_text="Id of the last clear marker")
    created_at = models.DateTimeField(default=timezone.now)
    last_activity = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_activity"]

    def __str__(self) -> str:
        return f"{self.id} {self.title!r}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"
        SYSTEM = "system"

    class Type(models.TextChoices):
        CHAT = "chat"
        COMMAND = "command"
        CONFIRMATION = "confirmation"
        RESPONSE = "response"
        SYSTEM = "system"
        CLEAR = "clear", "clear marker"  # shown on the wire as the /clear reply (type command)

    # The integer id is public: it increases in storage order.
    id = models.BigAutoField(primary_key=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=Role.choices)
    type = models.CharField(max_length=16, choices=Type.choices)
    content = models.TextField()
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The task whose run stored this message (a chat turn, a service result): what
    # GET /api/chat/tasks/{id} answers with. Empty for messages stored by a request.
    stored_by_task = models.CharField(max_length=32, blank=True, db_index=True)
    # The task this message queued (a user message's chat turn, an approval's service run), so a
    # websocket can report that task's progress ("thinking…").
    queued_task = models.CharField(max_length=32, blank=True)
    # Confirmation cards point at their proposal.
    approval = models.ForeignKey(
        "orchestrator.Approval", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="chat_message_order")]

    def __str__(self) -> str:
        return f"#{self.id} {self.role}/{self.type}: {self.content[:40]}"
