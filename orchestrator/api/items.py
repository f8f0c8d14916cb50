"""``GET /api/items``: recent items with their classification and actions (the UI's items page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from orchestrator.api.ledger_out import ActionOut, action_out
from orchestrator.api.pages import Listing, PageNumber, PageSize
from orchestrator.api.timestamps import iso
from orchestrator.models import Item
from orchestrator.security.permissions import api_permission
from orchestrator.ui.pagination import Page
from orchestrator.ui.selectors import (
    CLASSIFICATION_PATTERN,
    NAME_PATTERN,
    ItemFilters,
    items_page,
)

router = Router(tags=["items"])


class ItemQuery(Schema):
    integration: str | None = Field(
        None, pattern=NAME_PATTERN, description="Integration id, e.g. email.personal"
    )
    platform: str | None = Field(None, pattern=NAME_PATTERN, description="Platform name, e.g. inbox")
    classification: str | None = Field(
        None, pattern=CLASSIFICATION_PATTERN, description="A classification name (has a value) or name=value"
    )
    action: str | None = Field(
        None, pattern=NAME_PATTERN, description="Only items with this action in the ledger, e.g. archive"
    )
    page: PageNumber = 1
    limit: PageSize = 50


class ItemOut(Schema):
    id: int
    integration: str
    platform: str
    key: str
    status: str
    low_trust: bool
    snapshot: Any
    classification: Any
    first_seen: str
    last_seen: str
    actions: list[ActionOut]


def item_out(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "integration": item.integration_id,
        "platform": item.platform,
        "key": item.key,
        "status": item.status,
        "low_trust": item.low_trust,
        "snapshot": item.snapshot,
        "classification": item.classification,
        "first_seen": iso(item.first_seen),
        "last_seen": iso(item.last_seen),
        "actions": [action_out(a) for a in item.actions],  # type: ignore[attr-defined]
    }


def _items_page(*, number: int, size: int, **filters: str | None) -> Page[Item]:
    page = items_page(ItemFilters.parse(**filters), number, size)
    for item in page.rows:
        for record in item.actions:  # type: ignore[attr-defined]
            record.item = item  # already loaded: no query per action
    return page


ITEMS = Listing("ItemPageOut", "items", ItemOut, item_out, codes=(400, 422))


@ITEMS.route(router, summary="List recent items (newest first)")
@api_permission("view_activity")
def item_list(request: HttpRequest, query: Query[ItemQuery]) -> dict[str, Any]:
    return ITEMS.answer(_items_page, query)
