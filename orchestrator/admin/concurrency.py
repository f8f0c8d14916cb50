"""Optimistic concurrency for admin edits: a save made on a version someone else has replaced is refused.

Config rows carry ``version`` (:class:`orchestrator.models.config.Versioned`), raised by every save.
The change form carries the version it was opened on (a hidden ``opened_version``); saving checks
it against the row — locked for the rest of the admin's transaction — and, when someone else saved
in between, refuses with "changed by someone else since you opened it" and the fields where the
saved row and this form differ (secrets are named, never shown). Nothing is lost: the form comes
back with what this person typed.

Use :class:`VersionedAdmin` as the first base of a ModelAdmin (it composes with custom forms).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

_M = TypeVar("_M", bound=Model)

OPENED_VERSION = "opened_version"
SHOWN_CHARS = 60


class VersionCheckedForm(forms.ModelForm[Any]):
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[OPENED_VERSION].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        opened = cleaned.get(OPENED_VERSION)
        if self.instance.pk is None or opened is None:
            return cleaned
        # Locked until the admin's transaction ends, so two saves cannot both pass this check.
        saved = type(self.instance)._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        if saved is not None and saved.version != opened:
            raise ValidationError(self._conflict(saved, opened, cleaned), code="stale")
        return cleaned

    def _conflict(self, saved: Model, opened: int, cleaned: dict[str, Any]) -> str:
        label = str(saved._meta.verbose_name)
        version = saved.version  # type: ignore[attr-defined]  # a Versioned row
        differences = [line for name in self.fields if (line := self._difference(saved, name, cleaned))]
        summary = "; ".join(differences) if differences else "none in the fields of this form"
        return (
            f"This {label} was changed by someone else since you opened it (you opened version "
            f"{opened}, it is now version {version}); nothing was saved. Where the saved {label} "
            f"differs from your form: {summary}. Reload the page to see the saved values, then make "
            "your change again."
        )

    def _difference(self, saved: Model, name: str, cleaned: dict[str, Any]) -> str:
        field = self.fields[name]
        if name == OPENED_VERSION or name not in cleaned or not hasattr(saved, name):
            return ""
        theirs, yours = getattr(saved, name), cleaned[name]
        if isinstance(theirs, Model) or isinstance(yours, Model):
            theirs, yours = getattr(theirs, "pk", theirs), getattr(yours, "pk", yours)
        if theirs == yours:
            return ""
        if isinstance(field.widget, forms.PasswordInput):
            return f"{name} (a secret: values not shown)"
        return f"{name}: saved {_short(theirs)}, yours {_short(yours)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


class VersionedAdmin(admin.ModelAdmin[_M]):
    """A ModelAdmin whose change form refuses saves made on a stale version."""

    change_form_template = "admin/orchestrator/versioned_change_form.html"

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Any]]:
        base = kwargs.get("form", self.form)
        if not issubclass(base, VersionCheckedForm):
            kwargs["form"] = type(f"Versioned{base.__name__}", (VersionCheckedForm, base), {})
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The hidden version is rendered by the template, outside the fieldsets.
        return [name for name in super().get_fields(request, obj) if name != OPENED_VERSION]
