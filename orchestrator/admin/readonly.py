"""Admins for records the system writes and a person only inspects (tasks, runs, items)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

_M = TypeVar("_M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Viewable by staff with the view permission; never added or changed by hand, and deleted only
    where ``deletable`` (records nothing else depends on, such as LLM call accounting)."""

    deletable = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)


def preformatted(value: Any) -> SafeString | str:
    """A JSON value or long text as an escaped ``<pre>`` block; ``-`` when empty."""
    if value in (None, "", {}, []):
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)


def preformatted_view(field: str, description: str = "") -> Callable[[Any, Any], SafeString | str]:
    """An admin column showing *field* as :func:`preformatted`.

    ``payload_view = preformatted_view("payload")`` in a ModelAdmin, then name ``payload_view``.
    """

    @admin.display(description=description or field.replace("_", " "))
    def view(admin_self: Any, obj: Any) -> SafeString | str:
        return preformatted(getattr(obj, field))

    return view
