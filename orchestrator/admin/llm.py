"""Admin pages for LLM accounting and the live concurrency leases (read-only: the system writes them)."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.safestring import SafeString

from orchestrator.admin.readonly import preformatted
from orchestrator.models import LLMCall, LLMLease

_M = TypeVar("_M", bound=Model)


class _SystemWrittenAdmin(admin.ModelAdmin[_M]):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(LLMCall)
class LLMCallAdmin(_SystemWrittenAdmin[LLMCall]):
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

    @admin.display(description="raw replies (failed calls)")
    def replies(self, obj: LLMCall) -> SafeString | str:
        return preformatted(obj.raw_replies)


@admin.register(LLMLease)
class LLMLeaseAdmin(_SystemWrittenAdmin[LLMLease]):
    list_display = ("profile", "state", "priority", "host", "pid", "created_at", "expires_at")
    list_filter = ("state", "profile")
