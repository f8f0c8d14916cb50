"""``/api/actions/{id}/undo``: reverse a done soft-reversible action (docs/API.md, docs/SAFETY.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from orchestrator.actions.undo import UndoError, action_undo
from orchestrator.models import ActionRecord

router = Router(tags=["actions"])


class UndoOut(Schema):
    id: int
    status: str


@router.post("/{action_id}/undo", response=UndoOut, summary="Undo an action")
def action_undo_endpoint(request: HttpRequest, action_id: str) -> dict[str, Any]:
    record = ActionRecord.objects.filter(pk=int(action_id)).first() if action_id.isdigit() else None
    if record is None:
        raise HttpError(404, f"Action '{action_id}' not found")
    try:
        action_undo(record=record)
    except UndoError as exc:
        raise HttpError(exc.status, exc.detail) from None
    return {"id": record.pk, "status": ActionRecord.Status.UNDONE.value}
