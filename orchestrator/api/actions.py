"""``/api/actions``: the action ledger, and undo of a done soft-reversible action (docs/API.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from orchestrator.actions.undo import UndoError, action_undo
from orchestrator.api.errors import responses
from orchestrator.api.ledger_out import ActionOut, action_out
from orchestrator.models import ActionRecord
from orchestrator.security.permissions import api_permission
from orchestrator.ui.selectors import NAME_PATTERN, FilterError, actions_page

router = Router(tags=["actions"])


class UndoOut(Schema):
    id: int
    status: str


class ActionQuery(Schema):
    integration: str | None = Field(None, pattern=NAME_PATTERN)
    # Listed in the schema; the filter itself answers 400 naming the valid ones for anything else.
    status: str | None = Field(None, json_schema_extra={"enum": list(ActionRecord.Status.values)})
    item: int | None = Field(None, description="Only this item's actions (its id)")
    page: int = Field(1, ge=1, le=10_000)
    limit: int = Field(50, ge=1, le=200)


class ActionPageOut(Schema):
    actions: list[ActionOut]
    page: int
    next_page: int | None


@router.get(
    "",
    response=responses(ActionPageOut, 400, 422),
    summary="List ledger rows (newest first)",
)
@api_permission("view_activity")
def action_list(request: HttpRequest, query: Query[ActionQuery]) -> dict[str, Any]:
    try:
        page = actions_page(
            integration=query.integration,
            status=query.status,
            item=query.item,
            number=query.page,
            size=query.limit,
        )
    except FilterError as exc:
        raise HttpError(400, str(exc)) from None
    return {
        "actions": [action_out(r) for r in page.rows],
        "page": page.number,
        "next_page": page.number + 1 if page.has_next else None,
    }


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
