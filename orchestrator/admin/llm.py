"""Admin pages for LLM accounting and the live concurrency leases (read-only: the system writes them)."""

from __future__ import annotations

from django.contrib import admin

from orchestrator.admin.readonly import ReadOnlyAdmin, preformatted_view
from orchestrator.models import LLMCall, LLMLease


@admin.register(LLMCall)
class LLMCallAdmin(ReadOnlyAdmin[LLMCall]):
    deletable = True  # accounting a person may prune
    list_display = (
        "created_at",
        "profile_name",
        "purpose",
        "model",
        "outcome",
        "attempts",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
        "structured_mode",
    )
    list_filter = ("outcome", "purpose", "profile_name", "structured_mode")
    search_fields = ("profile_name", "model", "error")
    date_hierarchy = "created_at"
    exclude = ("raw_replies",)
    readonly_fields = ("replies",)
    replies = preformatted_view("raw_replies", "raw replies (failed calls)")


@admin.register(LLMLease)
class LLMLeaseAdmin(ReadOnlyAdmin[LLMLease]):
    deletable = True  # a stuck lease can be removed by hand
    list_display = ("profile", "state", "priority", "host", "pid", "created_at", "expires_at")
    list_filter = ("state", "profile")
