"""Audit entries about items: discovered (once, at collect) and classified (with the values).

Stages append the notes of a whole batch at once (:func:`orchestrator.audit.audit_many`)."""

from __future__ import annotations

from typing import Any

from orchestrator.audit import AuditNote
from orchestrator.models import Item

TITLE_FIELDS = ("subject", "title", "name")
TITLE_LIMIT = 120


def item_title(item: Item) -> str:
    """How a person recognises the item: its subject/title when it has one, else its key."""
    snapshot = item.snapshot if isinstance(item.snapshot, dict) else {}
    for name in TITLE_FIELDS:
        value = snapshot.get(name)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return repr(text if len(text) <= TITLE_LIMIT else text[:TITLE_LIMIT] + "…")
    return item.key


def _values(values: dict[str, Any]) -> str:
    return ", ".join(
        f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}" for name, value in values.items()
    )


def discovered_note(item: Item) -> AuditNote:
    return AuditNote(
        f"Discovered {item_title(item)} in {item.integration_id}/{item.platform}",
        integration_id=item.integration_id,
        item_key=item.key,
    )


def _sources(answered_by: dict[str, Any]) -> str:
    """Which answers a rule gave and which the model was unsure of: ``; by rule: human (noreply sender)``."""
    by_rule = [f"{name} ({how.get('rule')})" for name, how in answered_by.items() if how.get("by") == "rule"]
    unsure = [name for name, how in answered_by.items() if how.get("uncertain")]
    parts = []
    if by_rule:
        parts.append("by rule: " + ", ".join(by_rule))
    if unsure:
        parts.append("model unsure: " + ", ".join(unsure))
    model = [name for name, how in answered_by.items() if how.get("by") == "model"]
    if answered_by:
        parts.append("by model: " + (", ".join(model) or "none"))
    return "; ".join(parts)


def classified_note(
    item: Item, values: dict[str, Any], profile: str, answered_by: dict[str, Any] | None = None
) -> AuditNote:
    sources = _sources(answered_by or {})
    return AuditNote(
        f"Classified {item_title(item)}: {_values(values) or 'nothing asked'} (LLM profile {profile}"
        + (f"; {sources})" if sources else ")"),
        integration_id=item.integration_id,
        item_key=item.key,
        provenance="llm",
    )
