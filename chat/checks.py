"""``doctor``: the chat push path, round trip.

A probe conversation gets one message through the real write path (:func:`chat.store.message_store`)
and a websocket stream (:mod:`chat.stream`) must then read it back. With a cross-process channel
layer (Redis) the probe also waits for the wake to come back through the layer, which proves the
layer reaches this process; on the embedded default the database read is the delivery path.
The probe conversation is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import time

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import DatabaseError

from chat import push
from chat.models import Conversation
from chat.store import conversation_create, notice_store
from chat.stream import stream_collect, stream_open
from orchestrator.checks import CheckResult, doctor_check

NAME = "push path"
WAKE_TIMEOUT_S = 3.0
PROBE_TEXT = "doctor: push path probe"


def _probe_store(conversation_id: str) -> None:
    notice_store(conversation_id, PROBE_TEXT)


async def _store_and_await_wake(conversation_id: str) -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    group = push.group_name(conversation_id)
    await layer.group_add(group, channel)
    try:
        await sync_to_async(_probe_store)(conversation_id)
        await asyncio.wait_for(layer.receive(channel), timeout=WAKE_TIMEOUT_S)
    finally:
        await layer.group_discard(group, channel)


def _round_trip(conversation: Conversation, via_layer: bool) -> bool:
    stream, _ = stream_open(conversation.id, None)
    if via_layer:
        async_to_sync(_store_and_await_wake)(conversation.id)
    else:
        _probe_store(conversation.id)
    frames = stream_collect(stream)
    return any(f["type"] == "message" and f["message"]["content"] == PROBE_TEXT for f in frames)


@doctor_check(NAME)
def check_push_path() -> CheckResult:
    via_layer = push.layer_crosses_processes()
    path = "channel layer (Redis) + database" if via_layer else "embedded database path"
    started = time.monotonic()
    try:
        conversation = conversation_create()
    except DatabaseError as exc:
        return CheckResult(NAME, False, f"cannot write a probe conversation: {exc}")
    try:
        delivered = _round_trip(conversation, via_layer)
    except TimeoutError:
        return CheckResult(
            NAME, False, f"no wake came back through the channel layer within {WAKE_TIMEOUT_S:.0f} s"
        )
    except Exception as exc:  # Redis down, database locked: a failed check, never a crash
        return CheckResult(NAME, False, f"{path} failed: {type(exc).__name__}: {exc}")
    finally:
        conversation.delete()
    elapsed_ms = (time.monotonic() - started) * 1000
    if not delivered:
        return CheckResult(NAME, False, f"{path}: the probe message was stored but not read back")
    return CheckResult(NAME, True, f"{path}: round trip in {elapsed_ms:.0f} ms")
