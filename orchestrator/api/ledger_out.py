"""Ledger rows on the wire (``GET /api/actions`` and the actions inside ``GET /api/items``)."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from orchestrator.api.timestamps import iso
from orchestrator.models import ActionRecord
from orchestrator.ui.selectors import undo_available


class ActionOut(Schema):
    id: int
    item: int | None
    item_key: str | None
    integration: str
    action: str
    params: Any
    provenance: str
    yolo: bool
    tier: str
    status: str
    rule: str
    summary: str
    error: str
    undo_available: bool
    created_at: str
    finished_at: str | None


def action_out(record: ActionRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "item": record.item_id,
        "item_key": record.item.key if record.item else None,
        "integration": record.integration_id,
        "action": record.action,
        "params": record.parameters,
        "provenance": record.provenance,
        "yolo": record.yolo,
        "tier": record.tier,
        "status": record.status,
        "rule": record.rule,
        "summary": record.summary,
        "error": record.error,
        "undo_available": undo_available(record),
        "created_at": iso(record.created_at),
        "finished_at": iso(record.finished_at),
    }
