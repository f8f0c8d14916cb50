from __future__ import annotations

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        # The task handler, the chat_reply result route and the doctor check register on import.
        from chat import checks, results, tasks  # noqa: F401

        results.register()
