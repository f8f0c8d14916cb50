"""What Steward did and what waits for a person: the action ledger, approvals, notes, the audit log.

All read-only: these are records the system writes (the ledger and the audit log are evidence, the
audit log is hash-chained); approvals are decided in the API or the chat, where the safety gate runs.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.safestring import SafeString

from orchestrator.admin.readonly import ReadOnlyAdmin, preformatted
from orchestrator.models import ActionRecord, Approval, AuditEntry, Note


@admin.register(ActionRecord)
class ActionRecordAdmin(ReadOnlyAdmin[ActionRecord]):
    list_display = (
        "created_at",
        "integration_id",
        "action",
        "status",
        "tier",
        "provenance",
        "rule",
        "summary",
    )
    list_filter = ("status", "tier", "provenance", "integration_id")
    search_fields = ("action", "rule", "summary", "ledger_key")
    date_hierarchy = "created_at"
    exclude = ("parameters", "undo")
    readonly_fields = ("parameters_view", "undo_view")

    @admin.display(description="parameters")
    def parameters_view(self, obj: ActionRecord) -> SafeString | str:
        return preformatted(obj.parameters)

    @admin.display(description="undo")
    def undo_view(self, obj: ActionRecord) -> SafeString | str:
        return preformatted(obj.undo)


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin[Approval]):
    list_display = ("created_at", "action", "status", "source", "integration_id", "rule", "expires_at")
    list_filter = ("status", "source", "integration_id")
    search_fields = ("action", "description", "rule")
    date_hierarchy = "created_at"


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin[Note]):
    list_display = ("created_at", "title", "source", "path")
    search_fields = ("title", "body", "source")
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin[AuditEntry]):
    list_display = ("seq", "at", "level", "message", "integration_id", "provenance")
    list_filter = ("level", "provenance", "integration_id")
    search_fields = ("message", "item_key", "action")
    date_hierarchy = "at"
    ordering = ("-seq",)
