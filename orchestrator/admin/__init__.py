"""Django admin for Steward, one module per noun; Django auto-discovers this package."""

from __future__ import annotations

from django.contrib import admin

from orchestrator.admin import config, integrations, llm, pipeline, q2_models, queue, records, tokens

__all__ = ["config", "integrations", "llm", "pipeline", "q2_models", "queue", "records", "tokens"]

admin.site.site_header = "Steward"
admin.site.site_title = "Steward admin"
admin.site.index_title = "Configuration and state"
admin.site.site_url = "/ui/"  # "View site": the dashboard
