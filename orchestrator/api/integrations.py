"""``/integrations``: list integrations and trigger runs (docs/API.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from integrations import registry
from orchestrator.api.errors import responses
from orchestrator.api.integration_list import integration_list_body
from orchestrator.models import Integration
from orchestrator.running.triggers import integration_trigger
from orchestrator.security.permissions import api_permission

router = Router(tags=["integrations"])


class IntegrationOut(Schema):
    id: str
    type: str
    name: str
    enabled: bool
    platforms: list[str] | None = None  # omitted for service-only types


class RunOut(Schema):
    task_ids: list[str]
    status: str


def _integration_out(integration: Integration) -> IntegrationOut:
    platforms = None
    known = integration.type in registry.type_names()
    if not known or not registry.get(integration.type).is_service_only:
        platforms = integration.enabled_platform_names() if known else []
    return IntegrationOut(
        id=integration.integration_id,
        type=integration.type,
        name=integration.name,
        enabled=integration.enabled,
        platforms=platforms,
    )


@router.get(
    "/integrations", response=responses(list[IntegrationOut]), exclude_none=True, summary="List integrations"
)
@api_permission("view_activity")
def integration_list(request: HttpRequest) -> HttpResponse:
    # Cached until an integration or platform changes (orchestrator/api/integration_list.py): the
    # list is polled far more often than it is edited.
    return HttpResponse(integration_list_body(_integration_rows), content_type="application/json")


def _integration_rows() -> list[dict[str, object]]:
    return [
        _integration_out(i).model_dump(exclude_none=True)
        for i in Integration.objects.prefetch_related("platforms")
    ]


def _trigger(integration_id: str, platform: str | None) -> RunOut:
    tasks = integration_trigger(integration_id, platform)  # a TriggerError answers its own status
    return RunOut(task_ids=[t.uid for t in tasks], status="pending")


# TriggerError's statuses: 404 unknown integration or platform, 409 disabled or not installed,
# 400 no platforms configured.
TRIGGER_ERRORS = (400, 404, 409)


@router.post(
    "/integrations/{integration_id}/run",
    response=responses(RunOut, *TRIGGER_ERRORS),
    summary="Run every enabled platform",
)
@api_permission("run_integration")
def integration_run(request: HttpRequest, integration_id: str) -> RunOut:
    return _trigger(integration_id, None)


@router.post(
    "/integrations/{integration_id}/{platform}/run",
    response=responses(RunOut, *TRIGGER_ERRORS),
    summary="Run one platform",
)
@api_permission("run_integration")
def platform_run(request: HttpRequest, integration_id: str, platform: str) -> RunOut:
    return _trigger(integration_id, platform)
