"""What a chat request can get wrong, with the HTTP status the API (and websocket) answers."""

from __future__ import annotations


class ChatError(Exception):
    """A refused chat request: ``status`` is 400/404/409/413/422, ``detail`` says what to fix."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def conversation_not_found(conversation_id: str) -> ChatError:
    return ChatError(404, f"Conversation '{conversation_id}' not found")
