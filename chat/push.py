"""Waking the websockets of a conversation when something in it changed.

The database is the source of truth for what a websocket sends: a consumer streams the messages
with an id above the last one it sent and the status of the tasks its conversation queued
(:mod:`chat.stream`). A *wake* only tells it to look now:

* with a cross-process channel layer (``REDIS_URL`` → channels_redis) the wake reaches every
  daphne process at once, and consumers re-read the database only as a slow safety net;
* on the embedded default (the in-memory layer, which cannot cross processes) a worker also rings
  the web process's doorbell (:mod:`orchestrator.doorbell`, topic ``chat``), which passes the wake
  on to its in-memory layer (:func:`web_doorbell_start`); consumers then re-read the database only
  as a slow safety net. Without a working doorbell they poll every 150 ms, as before.

A lost wake therefore never loses a message: it only delays it until the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from orchestrator import doorbell

logger = logging.getLogger(__name__)

WAKE_EVENT = "chat.wake"  # dispatched to ChatConsumer.chat_wake
DOORBELL_TOPIC = "chat"
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
    if layer_crosses_processes():
        return LAYER_POLL_S
    if _web_bell is not None and _web_bell.working:
        return doorbell.safety_poll_s()
    return EMBEDDED_POLL_S


_web_bell: doorbell.Doorbell | None = None
_sending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks


def web_doorbell_start() -> None:
    """In the web process, on its event loop: pass the workers' rings on to the in-memory layer.

    Idempotent; does nothing with a cross-process layer (the layer itself carries the wakes).
    """
    global _web_bell
    if _web_bell is not None or layer_crosses_processes():
        return
    bell = doorbell.Doorbell(DOORBELL_TOPIC)
    _web_bell = bell
    fd = bell.fileno()
    if fd is None:
        return
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()

    def on_ring() -> None:
        for conversation_id in set(bell.drain()):
            if layer is not None and conversation_id:
                wake_event = {"type": WAKE_EVENT}
                sending = loop.create_task(layer.group_send(group_name(conversation_id), wake_event))
                _sending.add(sending)
                sending.add_done_callback(_sending.discard)

    loop.add_reader(fd, on_ring)


def web_doorbell_heal() -> None:
    """Bind the web doorbell afresh if its socket file was removed (called on safety-net polls)."""
    global _web_bell
    bell = _web_bell
    if bell is None or bell.intact():
        return
    fd = bell.fileno()
    if fd is not None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(fd)
    bell.close()
    _web_bell = None
    web_doorbell_start()


def wake_now(conversation_id: str) -> None:
    """Send the wake at once (call only after the change is committed)."""
    if not layer_crosses_processes() and _web_bell is None:
        # Not the web process (a worker): its in-memory layer reaches nobody; ring the web's bell.
        doorbell.ring(DOORBELL_TOPIC, conversation_id)
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
