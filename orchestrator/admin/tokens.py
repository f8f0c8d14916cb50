"""Admin for API tokens: the value is generated, shown once in a message, and only its hash is kept."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from orchestrator.admin.forms import ApiTokenAddForm
from orchestrator.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "read_only", "active", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name",)
    actions = ["revoke"]
    add_form = ApiTokenAddForm
    fields = ("name", "user", "read_only", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "read_only", "created_at", "last_used_at", "revoked_at")

    @admin.display(boolean=True, description="active")
    def active(self, obj: ApiToken) -> bool:
        return obj.revoked_at is None

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        return ("name", "read_only") if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        # Who a token acts for and what it may do are fixed at creation: make another to change them.
        return () if obj is None else self.readonly_fields

    def get_form(
        self, request: HttpRequest, obj: ApiToken | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[ApiToken]]:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: ModelForm[ApiToken], change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # The token acts for whoever creates it: a staff user cannot mint a superuser's token.
        issued, raw = ApiToken.issue(obj.name, user=request.user, read_only=obj.read_only)
        # The admin goes on with *obj* (log entry, redirect): make it the row just issued.
        obj.pk, obj.token_hash, obj.created_at = issued.pk, issued.token_hash, issued.created_at
        obj.user = issued.user
        obj._state.adding = False
        messages.warning(
            request,
            format_html(
                "API token “{}”: <code>{}</code> — copy it now, it will not be shown again. "
                "Use it as <code>Authorization: Bearer &lt;token&gt;</code>.",
                obj.name,
                raw,
            ),
        )

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"Revoked {count} token(s); requests using them now get 401.")
