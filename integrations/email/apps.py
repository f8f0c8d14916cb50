from __future__ import annotations

from django.apps import AppConfig


class EmailIntegrationConfig(AppConfig):
    name = "integrations.email"
    label = "steward_email"
    verbose_name = "Email integration"
