"""Waking the websockets of a conversation when something in it changed.

The database is the source of truth for what a websocket sends: a consumer streams the messages
with an id above the last one it sent and the status of the tasks its conversation queued
(:mod:`chat.stream`). A *wake* only tells it to look now:

* with a cross-process channel layer (``REDIS_URL`` → channels_redis) the wake reaches every
  daphne process at once, and consumers re-read the database only as a slow safety net;
* on the embedded default (the in-memory layer, which cannot cross processes) a reply stored by
  a worker is found by the consumer's own short poll (every 150 ms), and wakes still make
  messages stored inside the web process (commands, the user's own line) show up at once.

A lost wake therefore never loses a message: it only delays it until the next poll.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

WAKE_EVENT = "chat.wake"  # dispatched to ChatConsumer.chat_wake
EMBEDDED_POLL_S = 0.15
LAYER_POLL_S = 2.0


def group_name(conversation_id: str) -> str:
    return f"chat.{conversation_id}"


def layer_crosses_processes() -> bool:
    """True when the channel layer reaches other processes (anything but the in-memory layer)."""
    backend = str(settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", ""))
    return bool(backend) and not backend.endswith("InMemoryChannelLayer")


def poll_interval_s() -> float:
    """How often a consumer re-reads the database without being woken."""
    return LAYER_POLL_S if layer_crosses_processes() else EMBEDDED_POLL_S


def wake_now(conversation_id: str) -> None:
    """Send the wake at once (call only after the change is committed)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(conversation_id), {"type": WAKE_EVENT})
    except Exception:  # a wake is an optimisation: the consumer's poll still finds the change
        logger.warning("could not wake the websockets of conversation %s", conversation_id, exc_info=True)


def wake(conversation_id: str) -> None:
    """Wake the conversation's websockets once the current transaction commits."""
    transaction.on_commit(lambda: wake_now(conversation_id))
