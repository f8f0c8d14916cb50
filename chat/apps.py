from __future__ import annotations

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        # The task handler (tasks.py) and the doctor check (checks.py) are found by autodiscovery.
        from chat import results

        results.register()
