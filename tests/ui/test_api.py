"""The JSON API behind the pages: items, ledger rows, runs, retry — documented, with JSON errors."""

from __future__ import annotations

import pytest

from orchestrator.models import ActionRecord, Task

pytestmark = pytest.mark.django_db


def test_items_list_newest_first_with_classification_and_actions(api_client, acted):
    body = api_client.get("/api/items?integration=dummy.one&limit=2").json()
    assert [item["key"] for item in body["items"]] == ["item-3", "item-2"]
    assert body["next_page"] == 2
    assert body["items"][0]["classification"] == {"interesting": 0.9}
    second = api_client.get("/api/items?integration=dummy.one&limit=2&page=2").json()
    assert [item["key"] for item in second["items"]] == ["item-1"]
    assert second["next_page"] is None
    [tagged] = second["items"][0]["actions"]
    assert (tagged["action"], tagged["tier"], tagged["undo_available"]) == ("tag", "soft_reversible", True)


def test_items_filters_and_a_bad_filter_is_refused_by_name(api_client, acted):
    assert len(api_client.get("/api/items?action=shout").json()["items"]) == 1
    assert len(api_client.get("/api/items?classification=interesting=0.9").json()["items"]) == 3
    # A lookup smuggled into a filter name fails the schema's pattern: 422 naming the parameter.
    response = api_client.get("/api/items?classification=x__contains")
    assert response.status_code == 422
    assert "query.classification" in response.json()["detail"]
    assert api_client.get("/api/items?page=0").status_code == 422


def test_actions_list_ledger_rows_with_undo_availability(api_client, acted):
    rows = {row["action"]: row for row in api_client.get("/api/actions").json()["actions"]}
    assert rows["tag"]["undo_available"] is True
    assert rows["shout"]["status"] == "pending_approval"
    assert rows["shout"]["undo_available"] is False
    assert rows["shout"]["provenance"] == "hybrid"
    assert rows["tag"]["params"]["argument"] == "hot"
    only_done = api_client.get("/api/actions?status=done").json()["actions"]
    assert [row["action"] for row in only_done] == ["tag"]
    bad = api_client.get("/api/actions?status=weird")
    assert bad.status_code == 400
    assert "Valid statuses" in bad.json()["detail"]


def test_runs_list_with_counters(api_client, acted):
    [run] = api_client.get("/api/runs").json()["runs"]
    assert (run["integration"], run["platform"], run["status"], run["seen"]) == (
        "dummy.one",
        "items",
        "done",
        3,
    )


def test_retry_a_failed_task_over_the_api(api_client, acted):
    task = Task.objects.create(type="dummy.items.check", status="failed", error="boom", attempts=3)
    response = api_client.post(f"/api/tasks/{task.uid}/retry")
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    again = api_client.post(f"/api/tasks/{task.uid}/retry")
    assert again.status_code == 409
    assert "only failed tasks can be re-run" in again.json()["detail"]
    missing = api_client.post("/api/tasks/nope/retry")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Task 'nope' not found"})


def test_the_openapi_schema_documents_the_new_routes_and_their_errors(api_client):
    paths = api_client.get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/items"]["get"]["responses"]) >= {"200", "400", "401", "422"}
    assert set(paths["/api/actions"]["get"]["responses"]) >= {"200", "400", "401"}
    assert set(paths["/api/runs"]["get"]["responses"]) >= {"200", "400", "401"}
    assert set(paths["/api/tasks/{task_id}/retry"]["post"]["responses"]) >= {"200", "401", "404", "409"}
    assert set(paths["/api/actions/{action_id}/undo"]["post"]["responses"]) >= {"200", "404", "409"}


def test_undo_availability_is_false_once_undone(api_client, acted):
    record = ActionRecord.objects.get(action="tag")
    api_client.post(f"/api/actions/{record.pk}/undo")
    row = api_client.get(f"/api/actions?item={record.item_id}").json()["actions"][0]
    assert (row["status"], row["undo_available"]) == ("undone", False)
