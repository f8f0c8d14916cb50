"""Template filters of the operator UI: values shown compactly and safely (always escaped)."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()

FIELD_LIMIT = 160


@register.filter
def as_json(value: Any) -> str:
    """Parameters and other JSON, on one line, keys in their stored order."""
    return json.dumps(value, ensure_ascii=False, default=str)


@register.filter
def field_text(value: Any) -> str:
    """A snapshot field as text, cut to a readable length."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= FIELD_LIMIT else text[: FIELD_LIMIT - 1] + "…"


@register.filter
def classification_value(value: Any) -> str:
    """A confidence (a float 0..1) as a percentage; other values as they are."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and 0.0 <= value <= 1.0:
        return f"{value:.0%}"
    return str(value)


@register.filter
def item_title(item: Any) -> str:
    """What a person calls an item: its subject (email), title (GitHub, dummy) or else its key."""
    snapshot = item.snapshot if isinstance(getattr(item, "snapshot", None), dict) else {}
    for name in ("subject", "title"):
        if snapshot.get(name):
            return field_text(snapshot[name])
    return field_text(getattr(item, "key", ""))


@register.filter
def pairs(value: Any) -> list[tuple[str, Any]]:
    """A JSON object's (name, value) pairs — ``.items`` in a template would read a key named "items"."""
    return list(value.items()) if isinstance(value, dict) else []


@register.filter
def shown_parameters(value: Any) -> str:
    """An action's rendered parameters, or "" when there are none to show (no argument, no inputs)."""
    if not value or value == {"argument": None}:
        return ""
    return as_json(value)
