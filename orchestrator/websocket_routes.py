"""Websocket URL patterns; the chat app adds /ws/chat/<id>/, the operator UI /ws/ui/. Any other path
is refused cleanly.

Channels' router raises (a 500 and a traceback in the log, before any auth check) for a path no
pattern matches; the catch-all below answers the handshake with a plain refusal (HTTP 403)
instead, without logging a thing.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from chat.routing import websocket_urlpatterns as chat_patterns
from orchestrator.ui.live import UiConsumer


class UnknownPathConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.close()  # closing before accepting refuses the handshake with HTTP 403


websocket_urlpatterns: list[Any] = [
    *chat_patterns,
    re_path(r"^ws/ui/?$", AuthMiddlewareStack(UiConsumer.as_asgi())),
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
