"""Page URLs of the chat app, mounted under ``/ui/``: ``/ui/chat`` (with or without the slash)."""

from __future__ import annotations

from django.urls import path

from chat.views import chat_page

urlpatterns = [
    path("chat", chat_page, name="chat-page"),
    path("chat/", chat_page),
]
