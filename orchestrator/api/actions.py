"""``/api/actions``: the action ledger, and undo of a done soft-reversible action (docs/API.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from orchestrator.actions.undo import action_undo
from orchestrator.api.errors import found_or_404, responses
from orchestrator.api.ledger_out import ActionOut, action_out
from orchestrator.api.pages import Listing, PageNumber, PageSize
from orchestrator.models import ActionRecord
from orchestrator.security.permissions import api_permission
from orchestrator.ui.selectors import NAME_PATTERN, actions_page

router = Router(tags=["actions"])


class UndoOut(Schema):
    id: int
    status: str


class ActionQuery(Schema):
    integration: str | None = Field(None, pattern=NAME_PATTERN)
    # Listed in the schema; the filter itself answers 400 naming the valid ones for anything else.
    status: str | None = Field(None, json_schema_extra={"enum": list(ActionRecord.Status.values)})
    item: int | None = Field(None, description="Only this item's actions (its id)")
    page: PageNumber = 1
    limit: PageSize = 50


ACTIONS = Listing("ActionPageOut", "actions", ActionOut, action_out, codes=(400, 422))


@ACTIONS.route(router, summary="List ledger rows (newest first)")
@api_permission("view_activity")
def action_list(request: HttpRequest, query: Query[ActionQuery]) -> dict[str, Any]:
    return ACTIONS.answer(actions_page, query)


@router.post("/{id:action_id}/undo", response=responses(UndoOut, 404, 409, 502), summary="Undo an action")
@api_permission("undo_action")
def action_undo_endpoint(request: HttpRequest, action_id: int) -> dict[str, Any]:
    record = found_or_404(ActionRecord.objects.filter(pk=action_id), f"Action '{action_id}'")
    action_undo(record=record)  # an UndoError answers its own status (orchestrator/api/errors.py)
    return {"id": record.pk, "status": ActionRecord.Status.UNDONE.value}
