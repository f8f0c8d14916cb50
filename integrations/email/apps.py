from __future__ import annotations

from django.apps import AppConfig


class EmailIntegrationConfig(AppConfig):
    name = "integrations.email"
    label = "steward_email"
    verbose_name = "Email integration"

    def ready(self) -> None:
        # Registering doctor checks is an import side effect.
        from integrations.email import checks  # noqa: F401
