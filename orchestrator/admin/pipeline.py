"""Admin views of what the pipeline saw and did: runs and items (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.safestring import SafeString

from orchestrator.admin.readonly import ReadOnlyAdmin, preformatted
from orchestrator.models import Item, Run


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
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
class ItemAdmin(ReadOnlyAdmin):
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

    @admin.display(description="fields")
    def fields_view(self, obj: Item) -> SafeString | str:
        return preformatted(obj.fields)

    @admin.display(description="snapshot")
    def snapshot_view(self, obj: Item) -> SafeString | str:
        return preformatted(obj.snapshot)

    @admin.display(description="classification")
    def classification_view(self, obj: Item) -> SafeString | str:
        return preformatted(obj.classification)

    @admin.display(description="classified by")
    def classified_by_view(self, obj: Item) -> SafeString | str:
        return preformatted(obj.classified_by)
