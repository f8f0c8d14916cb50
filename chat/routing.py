"""Websocket routes of the chat app (collected by ``orchestrator.websocket_routes``)."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from django.urls import re_path

from chat.consumers import ChatConsumer

# The session middleware lets a logged-in browser in when authentication is required.
websocket_urlpatterns: list[Any] = [
    re_path(r"^ws/chat/(?P<conversation_id>[0-9a-z]{1,32})/?$", AuthMiddlewareStack(ChatConsumer.as_asgi())),
]
