"""What the admin says beside a save: the rules engine's warnings (every ``!yolo``) and notices, and
LLM profiles that send data off this machine."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from orchestrator.models import Integration, LLMProfile, PlatformConfig

_M = TypeVar("_M", bound=Model)


def automation_messages(integration: Integration) -> tuple[list[str], list[str]]:
    """``(warnings, notices)`` for the integration's stored automations, each naming its platform.

    Warnings cover every ``!yolo`` action and hard-reversible actions on LLM decisions; notices cover
    ``on_blocked: ask`` automations (docs/SAFETY.md).
    """
    warnings: list[str] = []
    notices: list[str] = []
    for platform in PlatformConfig.objects.filter(integration_id=integration.pk).order_by("name"):
        if not platform.automations:
            continue
        report = platform.automation_report()
        where = f"In {integration.integration_id}/{platform.name}, "
        warnings.extend(where + message for message in report.warnings)
        notices.extend(where + message for message in report.notices)
    return warnings, notices


def off_machine_warning(profile: LLMProfile) -> str | None:
    if not profile.sends_data_off_machine:
        return None
    kept = f"only {', '.join(profile.send_fields)}" if profile.send_fields else "every field"
    redacted = ", ".join(
        str(rule.get("name", "custom regex") if isinstance(rule, dict) else rule)
        for rule in profile.redact or []
    )
    return (
        f"LLM profile '{profile.name}' sends prompts (your item contents) to {profile.base_url}: "
        f"data leaves this machine ({kept} of each item; redacted: {redacted or 'nothing'}). "
        "Every request is listed under What left this machine (/ui/egress/)."
    )


class NoticesAdmin(admin.ModelAdmin[_M]):
    """An admin that says what :meth:`object_notices` finds when a change page opens, and whenever
    the subclass calls :meth:`show_notices` (after a save)."""

    def object_notices(self, obj: _M) -> tuple[list[str], list[str]]:
        """``(warnings, notices)`` about *obj*."""
        return [], []

    def show_notices(self, request: HttpRequest, obj: _M) -> None:
        warnings, notices = self.object_notices(obj)
        for warning in warnings:
            messages.warning(request, warning)
        for notice in notices:
            messages.info(request, notice)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                self.show_notices(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)
