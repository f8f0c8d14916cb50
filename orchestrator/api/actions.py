"""``/api/actions/{id}/undo``: reverse a done soft-reversible action (docs/SAFETY.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from orchestrator.actions.undo import UndoError, action_undo
from orchestrator.api.errors import responses
from orchestrator.models import ActionRecord
from orchestrator.security.permissions import api_permission

router = Router(tags=["actions"])


class UndoOut(Schema):
    id: int
    status: str


@router.post("/{id:action_id}/undo", response=responses(UndoOut, 404, 409, 502), summary="Undo an action")
@api_permission("undo_action")
def action_undo_endpoint(request: HttpRequest, action_id: int) -> dict[str, Any]:
    record = ActionRecord.objects.filter(pk=action_id).first()
    if record is None:
        raise HttpError(404, f"Action '{action_id}' not found")
    try:
        action_undo(record=record)
    except UndoError as exc:
        raise HttpError(exc.status, exc.detail) from None
    return {"id": record.pk, "status": ActionRecord.Status.UNDONE.value}
