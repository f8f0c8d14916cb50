"""Chat messages as they appear on the wire (docs/API.md): the API, the websocket and the page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chat.models import Message
from orchestrator.models import Approval

# The clear marker is shown as the /clear command's reply.
WIRE_TYPE = {Message.Type.CLEAR: Message.Type.COMMAND}


def timestamp(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with microseconds and ``+00:00``."""
    # Imported here: the orchestrator.api package imports the chat router at its own import time.
    from orchestrator.api.timestamps import iso

    return iso(moment)


def card_status(message: Message) -> str | None:
    """A confirmation card's live status: its proposal's, with expiry seen as soon as it is due."""
    approval: Approval | None = message.approval
    if approval is None:
        return None
    return Approval.Status.EXPIRED.value if approval.is_expired() else str(approval.status)


def message_out(message: Message) -> dict[str, Any]:
    metadata = message.metadata
    if message.type == Message.Type.CONFIRMATION and isinstance(metadata, dict):
        status = card_status(message)
        if status is not None:
            metadata = {**metadata, "status": status}
    return {
        "id": message.id,
        "role": message.role,
        "content": message.content,
        "type": WIRE_TYPE.get(message.type, message.type),  # type: ignore[call-overload]
        "timestamp": timestamp(message.created_at),
        "metadata": metadata,
    }
