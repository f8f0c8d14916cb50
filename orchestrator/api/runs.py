"""``GET /api/runs``: pipeline runs, newest first, with their counters."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from orchestrator.api.pages import Listing, PageNumber, PageSize
from orchestrator.api.timestamps import iso
from orchestrator.models import Run
from orchestrator.security.permissions import api_permission
from orchestrator.ui.selectors import NAME_PATTERN, runs_page

router = Router(tags=["runs"])


class RunQuery(Schema):
    integration: str | None = Field(None, pattern=NAME_PATTERN)
    platform: str | None = Field(None, pattern=NAME_PATTERN)
    # Listed in the schema; the filter itself answers 400 naming the valid ones for anything else.
    status: str | None = Field(None, json_schema_extra={"enum": list(Run.Status.values)})
    page: PageNumber = 1
    limit: PageSize = 50


class RunOut(Schema):
    id: int
    integration: str
    platform: str
    status: str
    started_at: str
    finished_at: str | None
    seen: int
    new: int
    classified: int
    actions_done: int
    actions_blocked: int
    actions_failed: int
    error: str


def run_out(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "integration": run.integration_id,
        "platform": run.platform,
        "status": run.status,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        **{name: getattr(run, name) for name in Run.COUNTERS},
        "error": run.error,
    }


RUNS = Listing("RunPageOut", "runs", RunOut, run_out, codes=(400, 422))


@RUNS.route(router, summary="List runs (newest first)")
@api_permission("view_activity")
def run_list(request: HttpRequest, query: Query[RunQuery]) -> dict[str, Any]:
    return RUNS.answer(runs_page, query)
