"""``/ui/chat``: the chat page, rendered by the server and brought to life by static/chat/chat.js."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chat.models import Conversation
from chat.selectors import conversation_list
from orchestrator.security.json_input import text_problem
from orchestrator.ui.access import ui_view


@ui_view(permission="use_chat")  # also sets the CSRF cookie the page's POSTs carry
def chat_page(request: HttpRequest) -> HttpResponse:
    """The conversation selector lists chats with messages; ``?c=<id>`` opens one.

    Opening the page never creates a conversation: a new chat is created by its first message.
    """
    conversations = conversation_list()
    wanted = request.GET.get("c", "")
    storable = wanted and text_problem(wanted) is None  # a NUL would fail on PostgreSQL
    current = wanted if storable and Conversation.objects.filter(pk=wanted).exists() else ""
    return render(
        request, "chat/chat.html", {"nav": "chat", "conversations": conversations, "current": current}
    )
