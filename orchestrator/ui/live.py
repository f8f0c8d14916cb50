"""``/ws/ui/``: the UI's live socket. It pushes ``{"type": "pulse", "state": {...}}`` whenever the
dashboard's state changes (run progress, queue depth, failed tasks, pending approvals).

Like the chat socket, the database is the source of truth: the consumer re-reads the small
:func:`orchestrator.ui.overview.pulse` every ``POLL_S`` and at once when woken through the channel
layer (:func:`wake`, sent by the UI's own buttons; with ``REDIS_URL`` the wake crosses processes).
A change made by a worker is therefore seen within ``POLL_S``, with no polling from the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import transaction

from orchestrator.sockets import pump_stop
from orchestrator.ui.access import socket_permitted
from orchestrator.ui.overview import pulse

logger = logging.getLogger(__name__)

GROUP = "ui.pulse"
WAKE_EVENT = "ui.wake"  # dispatched to UiConsumer.ui_wake
POLL_S = 1.0
DB_ERROR_PAUSE_S = 2.0


def wake_now() -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(GROUP, {"type": WAKE_EVENT})
    except Exception:  # a wake is an optimisation: the poll still finds the change
        logger.warning("could not wake the UI sockets", exc_info=True)


def wake() -> None:
    """Wake every UI socket once the current transaction commits."""
    transaction.on_commit(wake_now)


class UiConsumer(AsyncWebsocketConsumer):
    pump: asyncio.Task[None] | None = None
    joined = False

    async def connect(self) -> None:
        self.woken = asyncio.Event()
        refused = await socket_permitted(self.scope, "view_activity")
        await self.accept()  # accept first: a close before accepting hides the code from the client
        if refused is not None:
            await self.close(code=refused)
            return
        if self.channel_layer is not None:
            await self.channel_layer.group_add(GROUP, self.channel_name)
            self.joined = True
        self.pump = asyncio.ensure_future(self._pump())

    async def disconnect(self, code: int) -> None:
        await pump_stop(self.pump)
        if self.joined and self.channel_layer is not None:
            await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def ui_wake(self, event: dict[str, Any]) -> None:
        self.woken.set()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        pass  # the UI socket only pushes; buttons use HTTP POST (with CSRF)

    async def _pump(self) -> None:
        last: dict[str, Any] | None = None
        while True:
            try:
                state = await database_sync_to_async(pulse)()
            except Exception:  # a locked or restarting database: try again shortly
                logger.warning("ui socket: reading the state failed; retrying", exc_info=True)
                await asyncio.sleep(DB_ERROR_PAUSE_S)
                continue
            if state != last:
                await self.send(text_data=json.dumps({"type": "pulse", "state": state}))
                last = state
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), timeout=POLL_S)
            self.woken.clear()
