"""Websocket URL patterns; the chat app adds /ws/chat/<id>/."""

from __future__ import annotations

from typing import Any

from chat.routing import websocket_urlpatterns as chat_patterns

websocket_urlpatterns: list[Any] = [*chat_patterns]
