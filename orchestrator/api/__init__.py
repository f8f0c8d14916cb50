"""The HTTP API (django-ninja), mounted at the site root; OpenAPI at /api/openapi.json.

Conventions every route follows (new ones too): ids in paths use the ``{id:…}`` converter
(:mod:`orchestrator.api.paths`), ``response=`` comes from :func:`orchestrator.api.errors.responses`
so every status is documented, refusals raise ``HttpError`` (or a service's ``Refusal``) and answer
``{"detail": string}``, list routes page through :mod:`orchestrator.api.pages`, and
``@api_permission(...)`` (:mod:`orchestrator.security.permissions`) says who may call it.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

import orchestrator.api.paths  # noqa: F401  # registers the {id:…} converter before the routes
from chat.api import router as chat_router
from orchestrator.api import errors
from orchestrator.api.actions import router as actions_router
from orchestrator.api.approvals import router as approvals_router
from orchestrator.api.egress import router as egress_router
from orchestrator.api.integrations import router as integrations_router
from orchestrator.api.items import router as items_router
from orchestrator.api.runs import router as runs_router
from orchestrator.api.shadow import router as shadow_router
from orchestrator.api.tasks import router as tasks_router

api = NinjaAPI(
    title="Steward",
    version="1.0",
    description="Self-hosted assistant: integrations, queue, approvals and chat.",
    docs_url="/api/docs",
    openapi_url="/api/openapi.json",
    parser=errors.JsonParser(),
)
errors.install(api)


class Health(Schema):
    status: str


@api.api_operation(["GET", "HEAD"], "/", response=Health, tags=["health"], summary="Health check", auth=None)
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


api.add_router("/", integrations_router)
api.add_router("/api/tasks", tasks_router)
api.add_router("/api/chat", chat_router)
api.add_router("/api/approvals", approvals_router)
api.add_router("/api/actions", actions_router)
api.add_router("/api/items", items_router)
api.add_router("/api/runs", runs_router)
api.add_router("/api/egress", egress_router)
api.add_router("/api/shadow", shadow_router)
