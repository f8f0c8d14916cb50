"""Admin for configuration other than integrations: LLM profiles, scripts, chat and mirror settings."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest

from orchestrator.admin.concurrency import VersionedAdmin
from orchestrator.admin.forms import LLMProfileForm, StructuredTextField
from orchestrator.admin.notices import NoticesAdmin, off_machine_warning
from orchestrator.admin.singletons import SingletonAdmin
from orchestrator.models import ChatSettings, LLMProfile, MirrorDirectories, Script

_M = TypeVar("_M", bound=models.Model)

STRUCTURED_TEXT: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.JSONField: {"form_class": StructuredTextField}
}


@admin.register(LLMProfile)
class LLMProfileAdmin(VersionedAdmin[LLMProfile], NoticesAdmin[LLMProfile]):
    form = LLMProfileForm
    list_display = ("name", "backend", "base_url", "model", "stays_local")
    fieldsets = (
        (None, {"fields": ("name", "backend", "base_url", "model")}),
        ("Credentials", {"fields": ("token", "token_clear")}),
        ("Requests", {"fields": ("parameters", "structured_output", "timeout_s", "max_concurrency")}),
        ("What leaves this machine", {"fields": ("send_fields", "redact")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: LLMProfile | None = None) -> Any:
        if obj is None:  # nothing stored yet, so nothing to clear
            return [
                (name, {"fields": [f for f in opts["fields"] if f != "token_clear"]})
                for name, opts in self.fieldsets
            ]
        return self.fieldsets

    @admin.display(boolean=True, description="data stays local")
    def stays_local(self, obj: LLMProfile) -> bool:
        return not obj.sends_data_off_machine

    def object_notices(self, obj: LLMProfile) -> tuple[list[str], list[str]]:
        warning = off_machine_warning(obj)
        return ([warning] if warning else []), []

    def save_model(
        self, request: HttpRequest, obj: LLMProfile, form: ModelForm[LLMProfile], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        self.show_notices(request, obj)


class SuperuserOnlyAdmin(VersionedAdmin[_M]):
    """Everything about these rows is superuser-only, whatever permissions a staff user holds."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser


@admin.register(Script)
class ScriptAdmin(SuperuserOnlyAdmin[Script]):
    """Scripts run shell code on this machine, so only superusers see or edit them (docs/SECURITY.md)."""

    list_display = ("name", "description", "reversible", "timeout")
    search_fields = ("name", "description")
    formfield_overrides = STRUCTURED_TEXT


@admin.register(ChatSettings)
class ChatSettingsAdmin(SingletonAdmin):
    fields = ("llm", "system_prompt")


@admin.register(MirrorDirectories)
class MirrorDirectoriesAdmin(SingletonAdmin):
    fields = ("notes", "logs")
