"""``GET /api/egress``: the egress ledger, newest first — what left this machine, never the content."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, field_validator

from orchestrator.api.pages import Listing, PageNumber, PageSize
from orchestrator.api.timestamps import iso
from orchestrator.egress.selectors import egress_page
from orchestrator.models import EgressRecord
from orchestrator.security.permissions import api_permission

router = Router(tags=["egress"])
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class EgressQuery(Schema):
    day: date | None = Field(None, description="a local day, YYYY-MM-DD; default: every day")
    destination: str | None = Field(None, max_length=255, description="a host, as listed (host or host:port)")
    page: PageNumber = 1
    limit: PageSize = 50

    @field_validator("day", mode="before")
    @classmethod
    def _iso_day(cls, value: Any) -> Any:
        # pydantic would read a bare number as a Unix timestamp; a day is written YYYY-MM-DD.
        if value is not None and not (isinstance(value, str) and ISO_DAY.match(value)):
            raise ValueError("day must be a date like 2026-01-31")
        return value


class EgressOut(Schema):
    id: int
    at: str
    item: int | None
    integration: str
    llm_profile: str
    destination: str
    local: bool
    method: str
    purpose: str
    fields: list[str]
    bytes_sent: int
    bytes_received: int
    status: int | None
    redactions: dict[str, int]


def egress_out(row: EgressRecord) -> dict[str, Any]:
    return {
        "id": row.pk,
        "at": iso(row.created_at) or "",
        "item": row.item_id,
        "integration": row.integration_id,
        "llm_profile": row.llm_profile,
        "destination": row.destination,
        "local": row.local,
        "method": row.method,
        "purpose": row.purpose,
        "fields": [str(name) for name in row.fields or []],
        "bytes_sent": row.bytes_sent,
        "bytes_received": row.bytes_received,
        "status": row.status,
        "redactions": {str(k): int(v) for k, v in (row.redactions or {}).items()},
    }


EGRESS = Listing("EgressPageOut", "egress", EgressOut, egress_out, codes=(422,))


@EGRESS.route(router, summary="List outbound requests (newest first)")
@api_permission("view_activity")
def egress_list(request: HttpRequest, query: Query[EgressQuery]) -> dict[str, Any]:
    return EGRESS.answer(egress_page, query)
