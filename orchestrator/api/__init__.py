"""The HTTP API (django-ninja), mounted at the site root; OpenAPI at /api/openapi.json."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from chat.api import router as chat_router
from orchestrator.api.actions import router as actions_router
from orchestrator.api.approvals import router as approvals_router
from orchestrator.api.integrations import router as integrations_router
from orchestrator.api.items import router as items_router
from orchestrator.api.runs import router as runs_router
from orchestrator.api.tasks import router as tasks_router

api = NinjaAPI(
    title="Steward",
    version="1.0",
    description="Self-hosted assistant: integrations, queue, approvals and chat.",
    docs_url="/api/docs",
    openapi_url="/api/openapi.json",
)


@api.exception_handler(RequestDataTooBig)
def request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": "Request body too large"}, status=413)


@api.get("/", tags=["health"], summary="Health check", auth=None)
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


api.add_router("/", integrations_router)
api.add_router("/api/tasks", tasks_router)
api.add_router("/api/chat", chat_router)
api.add_router("/api/approvals", approvals_router)
api.add_router("/api/actions", actions_router)
api.add_router("/api/items", items_router)
api.add_router("/api/runs", runs_router)
