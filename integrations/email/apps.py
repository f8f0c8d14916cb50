from __future__ import annotations

from django.apps import AppConfig


class EmailIntegrationConfig(AppConfig):
    """Its doctor checks (``checks.py``) are found by autodiscovery (``OrchestratorConfig.ready``)."""

    name = "integrations.email"
    label = "steward_email"
    verbose_name = "Email integration"
