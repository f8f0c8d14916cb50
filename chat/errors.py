"""What a chat request can get wrong, with the HTTP status the API (and websocket) answers."""

from __future__ import annotations

from orchestrator.refusals import Refusal


class ChatError(Refusal):
    """A refused chat request: ``status`` is 400/404/409/413/422, ``detail`` says what to fix."""


def conversation_not_found(conversation_id: str) -> ChatError:
    return ChatError(404, f"Conversation '{conversation_id}' not found")
