"""Websocket URL patterns; the chat app adds /ws/chat/<id>/, the operator UI /ws/ui/."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from django.urls import re_path

from chat.routing import websocket_urlpatterns as chat_patterns
from orchestrator.ui.live import UiConsumer

websocket_urlpatterns: list[Any] = [
    *chat_patterns,
    re_path(r"^ws/ui/?$", AuthMiddlewareStack(UiConsumer.as_asgi())),
]
