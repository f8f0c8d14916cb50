"""Admin views of what the pipeline saw and did: runs and items (read-only)."""

from __future__ import annotations

from django.contrib import admin

from orchestrator.admin.readonly import ReadOnlyAdmin, preformatted_view
from orchestrator.models import Item, Run


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin[Run]):
    list_display = (
        "id",
        "integration_id",
        "platform",
        "status",
        "started_at",
        "finished_at",
        "seen",
        "new",
        "classified",
        "actions_done",
        "actions_blocked",
        "actions_failed",
        "items_failed",
    )
    list_filter = ("status", "integration_id", "platform")


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin[Item]):
    list_display = ("key", "integration_id", "platform", "status", "low_trust", "last_seen")
    list_filter = ("status", "integration_id", "platform", "low_trust")
    search_fields = ("key",)
    readonly_fields = ("fields_view", "snapshot_view", "classification_view", "classified_by_view")
    fieldsets = (
        (None, {"fields": ("integration_id", "platform", "key", "status", "low_trust")}),
        ("Seen", {"fields": ("first_seen", "last_seen", "content_hash")}),
        ("Content", {"fields": ("fields_view", "snapshot_view", "llm_input")}),
        ("Classification", {"fields": ("classification_view", "classified_by_view")}),
    )

    fields_view = preformatted_view("fields")
    snapshot_view = preformatted_view("snapshot")

    classification_view = preformatted_view("classification")
    classified_by_view = preformatted_view("classified_by")
