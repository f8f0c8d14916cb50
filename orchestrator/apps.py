from __future__ import annotations

from django.apps import AppConfig


class OrchestratorConfig(AppConfig):
    name = "orchestrator"
    verbose_name = "Steward"

    def ready(self) -> None:
        # Registering handlers and doctor checks is an import side effect of these modules.
        from orchestrator import checks  # noqa: F401
        from orchestrator.pipeline import stages  # noqa: F401
        from orchestrator.queue import builtin_tasks  # noqa: F401
