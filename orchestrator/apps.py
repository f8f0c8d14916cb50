from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules

# The modules every app may have that register something when imported: ``tasks`` (queue handlers,
# ``@task_handler``) and ``checks`` (``@doctor_check``). Django's own ``checks`` modules match too,
# which is harmless: Django imports them anyway.
DISCOVERED_MODULES = ("tasks", "checks")


class OrchestratorConfig(AppConfig):
    name = "orchestrator"
    verbose_name = "Steward"

    def ready(self) -> None:
        # Every app's models are loaded before any ready(), so other apps' modules import safely here.
        autodiscover_modules(*DISCOVERED_MODULES)
        from orchestrator.api.integration_list import integration_list_signals_connect

        integration_list_signals_connect()
