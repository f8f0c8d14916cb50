"""The chat websocket ``/ws/chat/{conversation_id}/`` (docs/CHAT.md): a thin adapter.

Access is decided by :mod:`chat.ws_access`, frames come from :mod:`chat.stream`, client messages
go through the same :func:`chat.submit.message_submit` as the HTTP API. The socket re-reads the
database when woken through the channel layer and, as a safety net or — on the embedded default,
where workers cannot reach this process's in-memory layer — as the delivery path, on a short poll.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from chat import push, ws_access
from chat.errors import ChatError
from chat.frames import FrameError, client_frame
from chat.stream import Frame, Stream, error_frame, stream_collect, stream_open
from chat.submit import message_submit
from orchestrator.sockets import pump_stop

logger = logging.getLogger(__name__)

DB_ERROR_PAUSE_S = 1.0
MAX_ID_DIGITS = 18  # as in orchestrator/api/paths.py


class ChatConsumer(AsyncWebsocketConsumer):
    conversation_id = ""
    stream: Stream | None = None
    pump: asyncio.Task[None] | None = None
    joined = False

    async def connect(self) -> None:
        self.conversation_id = str(self.scope["url_route"]["kwargs"]["conversation_id"])
        self.woken = asyncio.Event()
        refused = await ws_access.refusal(self.scope)
        if refused is not None:
            await self.refuse(refused)
            return
        after, after_error = self._after()
        try:
            self.stream, frames = await database_sync_to_async(stream_open)(self.conversation_id, after)
        except ChatError as exc:
            await self.refuse(ws_access.CLOSE_NOT_FOUND, error_frame(exc.status, exc.detail))
            return
        push.web_doorbell_start()
        if self.channel_layer is not None:
            await self.channel_layer.group_add(push.group_name(self.conversation_id), self.channel_name)
            self.joined = True
        await self.accept()
        if after_error:
            await self.send_frame(error_frame(422, after_error))
        for frame in frames:
            await self.send_frame(frame)
        self.pump = asyncio.ensure_future(self._pump())

    async def refuse(self, code: int, frame: Frame | None = None) -> None:
        # Accept first: a close before accepting is an HTTP 403 and the client never sees the code.
        await self.accept()
        if frame is not None:
            await self.send_frame(frame)
        await self.close(code=code)

    def _after(self) -> tuple[int | None, str]:
        raw = ws_access.query_params(self.scope).get("after")
        if raw is None or raw == "":
            return None, ""
        if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS:  # int() also reads "١" and "1_0"
            return int(raw), ""
        return None, f"after must be a message id (ASCII digits), not {raw[:40]!r}; nothing replayed"

    async def disconnect(self, code: int) -> None:
        await pump_stop(self.pump)
        if self.joined and self.channel_layer is not None:
            await self.channel_layer.group_discard(push.group_name(self.conversation_id), self.channel_name)

    async def chat_wake(self, event: dict[str, Any]) -> None:
        self.woken.set()

    async def send_frame(self, frame: Frame) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def _pump(self) -> None:
        assert self.stream is not None
        while True:
            try:
                await asyncio.wait_for(self.woken.wait(), timeout=push.poll_interval_s())
            except TimeoutError:
                push.web_doorbell_heal()  # a removed socket file: bind again, poll meanwhile
            self.woken.clear()
            try:
                frames = await database_sync_to_async(stream_collect)(self.stream)
            except Exception:  # a locked or restarting database: try again shortly
                logger.warning(
                    "chat stream %s: reading failed; retrying", self.conversation_id, exc_info=True
                )
                await asyncio.sleep(DB_ERROR_PAUSE_S)
                continue
            for frame in frames:
                await self.send_frame(frame)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = client_frame(self.scope, text_data, bytes_data)
        except FrameError as exc:
            await self.send_frame(error_frame(exc.status, exc.detail))
            return
        if frame["type"] != "message":
            await self.send_frame(error_frame(422, f"Unknown frame type {frame['type']!r}; valid: 'message'"))
            return
        try:
            await database_sync_to_async(message_submit)(
                conversation_id=self.conversation_id, content=frame.get("content")
            )
        except ChatError as exc:
            await self.send_frame(error_frame(exc.status, exc.detail))
            return
        self.woken.set()  # what was stored goes out now, in order, through the stream
