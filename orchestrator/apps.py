from __future__ import annotations

from django.apps import AppConfig


class OrchestratorConfig(AppConfig):
    name = "orchestrator"
    verbose_name = "Steward"

    def ready(self) -> None:
        # Registering handlers and doctor checks is an import side effect of these modules.
        from orchestrator import checks  # noqa: F401
        from orchestrator.actions import script_runs, service_runs  # noqa: F401
        from orchestrator.llm import admin as llm_admin  # noqa: F401
        from orchestrator.llm import checks as llm_checks  # noqa: F401
        from orchestrator.pipeline import stages  # noqa: F401
        from orchestrator.queue import builtin_tasks  # noqa: F401
