"""The documented integrations API (docs/API.md): shapes, error order, idempotency."""

from __future__ import annotations

import pytest

from orchestrator.models import Integration, PlatformConfig, Task

pytestmark = pytest.mark.django_db


def test_health_needs_nothing(api_client):
    response = api_client.get("/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_list_shows_enabled_platforms(api_client, dummy_integration):
    assert api_client.get("/integrations").json() == [
        {"id": "dummy.one", "type": "dummy", "name": "one", "enabled": True, "platforms": ["items"]}
    ]


def test_list_shows_empty_platforms_when_none_enabled(api_client, dummy_integration):
    PlatformConfig.objects.update(enabled=False)
    assert api_client.get("/integrations").json()[0]["platforms"] == []


def test_run_all_platforms_returns_pending_task_ids(api_client, dummy_integration):
    response = api_client.post("/integrations/dummy.one/run")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "pending"
    (task_id,) = body["task_ids"]
    task = Task.objects.get(uid=task_id)
    assert (task.type, task.priority, task.status) == ("dummy.items.check", 5, "pending")


def test_run_one_platform(api_client, dummy_integration):
    response = api_client.post("/integrations/dummy.one/items/run")
    assert response.status_code == 200
    assert len(response.json()["task_ids"]) == 1


def test_identical_trigger_returns_the_pending_task(api_client, dummy_integration):
    first = api_client.post("/integrations/dummy.one/run").json()
    second = api_client.post("/integrations/dummy.one/items/run").json()
    assert first["task_ids"] == second["task_ids"]
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/integrations/dummy.nope/run", 404, "Integration 'dummy.nope' not found"),
        ("/integrations/nodots/run", 404, "Integration 'nodots' not found"),
        ("/integrations/dummy.one/nope/run", 404, "Platform 'nope' not configured in 'dummy.one'"),
    ],
)
def test_run_errors(api_client, dummy_integration, path, status, detail):
    response = api_client.post(path)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


def test_disabled_integration_is_409_before_platform_checks(api_client, dummy_integration):
    Integration.objects.update(enabled=False)
    response = api_client.post("/integrations/dummy.one/nope/run")
    assert response.status_code == 409
    assert response.json() == {"detail": "Integration 'dummy.one' is disabled"}


def test_no_enabled_platform_is_400_before_unknown_platform(api_client, dummy_integration):
    PlatformConfig.objects.update(enabled=False)
    response = api_client.post("/integrations/dummy.one/items/run")
    assert response.status_code == 400
    assert response.json() == {"detail": "Integration 'dummy.one' has no platforms configured"}


def test_disabled_platform_is_404(api_client, dummy_integration):
    PlatformConfig.objects.create(integration=dummy_integration, name="other", enabled=False)
    response = api_client.post("/integrations/dummy.one/other/run")
    assert response.status_code == 404


def test_task_status_shape(api_client, dummy_integration):
    task_id = api_client.post("/integrations/dummy.one/run").json()["task_ids"][0]
    body = api_client.get(f"/api/tasks/{task_id}").json()
    assert body["id"] == task_id
    assert body["type"] == "dummy.items.check"
    assert body["status"] == "pending"
    assert body["priority"] == 5
    assert body["attempts"] == 0
    assert body["created_at"].endswith("+00:00")
    assert body["started_at"] is None
    assert body["finished_at"] is None
    assert "result" not in body
    assert "error" not in body


def test_unknown_task_is_404(api_client, db):
    response = api_client.get("/api/tasks/deadbeef")
    assert response.status_code == 404
    assert response.json() == {"detail": "Task 'deadbeef' not found"}


def test_openapi_is_served_offline(api_client, db):
    assert api_client.get("/api/openapi.json").json()["info"]["title"] == "Steward"
    docs = api_client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_foreign_origin_post_is_refused_in_local_mode(api_client, dummy_integration):
    response = api_client.post("/integrations/dummy.one/run", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert Task.objects.count() == 0


def test_same_origin_post_is_allowed(api_client, dummy_integration):
    response = api_client.post("/integrations/dummy.one/run", HTTP_ORIGIN="http://localhost")
    assert response.status_code == 200
