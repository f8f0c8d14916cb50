"""Admin for integrations and their platforms; every save and delete keeps the schedules in step."""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from integrations import registry
from orchestrator.admin.concurrency import VersionedAdmin
from orchestrator.admin.forms import CLEAR_SUFFIX, SECRET_PREFIX, integration_form_for, platform_form_for
from orchestrator.admin.notices import NoticesAdmin, automation_messages
from orchestrator.admin.replay import replay_view, try_button
from orchestrator.models import Integration, PlatformConfig
from orchestrator.running.config import integration_deleted, integration_saved
from orchestrator.running.schedules import schedule_name

NEXT_RUN_FORMAT = "%Y-%m-%d %H:%M %Z"


def _secret_names(obj: Integration | None) -> tuple[list[str], dict[str, list[str]] | None]:
    """The secret fields to offer: the type's own once it is known, else every type's (add view)."""
    if obj is not None and obj.type in registry.type_names():
        return list(registry.get(obj.type).secret_fields), None
    used_by: dict[str, list[str]] = defaultdict(list)
    for integration_type in registry.all_types():
        for name in integration_type.secret_fields:
            used_by[name].append(integration_type.type)
    return sorted(used_by), dict(used_by)


class PlatformConfigInline(admin.StackedInline[PlatformConfig, Integration]):
    model = PlatformConfig
    readonly_fields = ("try_on_last_week",)

    @admin.display(description="replay")
    def try_on_last_week(self, obj: PlatformConfig | None) -> SafeString | str:
        return try_button(obj)

    def get_extra(self, request: HttpRequest, obj: Integration | None = None, **kwargs: Any) -> int:
        # One blank platform to fill in for a new integration; none (no empty "#2") on an existing one.
        return 1 if obj is None else 0

    def get_formset(
        self, request: HttpRequest, obj: Integration | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet[PlatformConfig, Integration, ModelForm[PlatformConfig]]]:
        names: list[str] = []
        if obj is not None and obj.type in registry.type_names():
            names = sorted(registry.get(obj.type).platforms)
        kwargs["form"] = platform_form_for(names)
        formset = super().get_formset(request, obj, **kwargs)
        if not names:
            valid = "; ".join(
                f"{t.type}: {', '.join(sorted(t.platforms))}" for t in registry.all_types() if t.platforms
            )
            formset.form.base_fields["name"].help_text = f"Platforms by type — {valid or 'none'}"
        return formset


@admin.register(Integration)
class IntegrationAdmin(VersionedAdmin[Integration], NoticesAdmin[Integration]):
    inlines = [PlatformConfigInline]
    list_display = ("integration_id", "enabled", "schedule", "platform_list", "llm")
    list_filter = ("type", "enabled")
    search_fields = ("type", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Integration]:
        return super().get_queryset(request).prefetch_related("platforms").select_related("llm")

    def get_urls(self) -> list[URLPattern]:
        replay = self.admin_site.admin_view(partial(replay_view, self))
        return [
            path("<path:object_id>/replay/", replay, name="orchestrator_integration_replay"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Integration | None = None) -> tuple[str, ...]:
        # type and name make the id that items, runs, tasks and schedules are keyed by.
        return ("type", "name", "scheduled_runs") if obj is not None else ()

    def get_fieldsets(self, request: HttpRequest, obj: Integration | None = None) -> list[Any]:
        names, _ = _secret_names(obj)
        secrets = [SECRET_PREFIX + name for name in names]
        if obj is not None:  # nothing to clear before the first save
            secrets = [field for name in secrets for field in (name, name + CLEAR_SUFFIX)]
        schedule = ["schedule_every", "schedule_cron"] + (["scheduled_runs"] if obj is not None else [])
        fieldsets: list[Any] = [
            (None, {"fields": ["type", "name", "enabled", "llm"]}),
            ("Schedule", {"fields": schedule, "description": "Give every or cron (or neither)."}),
            ("Settings", {"fields": ["settings"]}),
        ]
        if secrets:
            fieldsets.append(("Secrets", {"fields": secrets, "description": "Encrypted at rest."}))
        return fieldsets

    def get_form(
        self, request: HttpRequest, obj: Integration | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Integration]]:
        names, used_by = _secret_names(obj)
        kwargs["form"] = integration_form_for(names, used_by)
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description="schedule")
    def schedule(self, obj: Integration) -> str:
        if obj.schedule_cron:
            return f"cron {obj.schedule_cron}"
        return f"every {obj.schedule_every}" if obj.schedule_every else "-"

    @admin.display(description="enabled platforms")
    def platform_list(self, obj: Integration) -> str:
        return ", ".join(obj.enabled_platform_names()) or "-"

    @admin.display(description="next runs")
    def scheduled_runs(self, obj: Integration) -> SafeString | str:
        from django_q.models import Schedule

        rows = Schedule.objects.filter(name__startswith=schedule_name(obj.integration_id, "")).order_by(
            "name"
        )
        if not rows:
            return "- (no schedule, or disabled)"
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            (
                (s.name.rsplit(":", 1)[-1], timezone.localtime(s.next_run).strftime(NEXT_RUN_FORMAT))
                for s in rows
            ),
        )

    def object_notices(self, obj: Integration) -> tuple[list[str], list[str]]:
        return automation_messages(obj)

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[Integration],
        formsets: list[BaseInlineFormSet[PlatformConfig, Integration, ModelForm[PlatformConfig]]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        integration_saved(integration=form.instance)
        self.show_notices(request, form.instance)

    def delete_model(self, request: HttpRequest, obj: Integration) -> None:
        super().delete_model(request, obj)
        integration_deleted(integration=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        with transaction.atomic():
            integrations = list(queryset)
            super().delete_queryset(request, queryset)
            for integration in integrations:
                integration_deleted(integration=integration)
