"""``/api/approvals`` (docs/API.md, docs/SAFETY.md): list, approve exactly once, reject, expire."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from orchestrator.models import ActionRecord, Approval, AuditEntry, Run, Task
from tests.pipeline.driving import configure, drain, effects, run_pipeline

pytestmark = pytest.mark.django_db

ASK_SHOUT = {
    "when": {"classification.interesting": "> 0.5"},
    "then": {"shout": "look at {{ title }}"},
    "on_blocked": "ask",
}


def post(api_client, path: str, body: dict):
    return api_client.post(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def asked(steward) -> Approval:
    configure(steward, automations=[ASK_SHOUT], options={"count": 1})
    run_pipeline()
    return Approval.objects.get()


def test_an_ask_automation_yields_a_pending_approval_instead_of_running(asked):
    assert effects("shout") == []
    record = ActionRecord.objects.get()
    assert (record.status, record.provenance) == ("pending_approval", "llm")
    assert asked.action_record == record
    assert Run.objects.get().actions_blocked == 1
    assert AuditEntry.objects.filter(message__startswith=f"Approval #{asked.pk} needed").exists()


def test_pending_approvals_are_listed_in_the_documented_shape(api_client, asked):
    response = api_client.get("/api/approvals?status=pending")
    assert response.status_code == 200
    (body,) = response.json()["approvals"]
    assert set(body) == {
        "id",
        "action",
        "parameters",
        "provenance",
        "item",
        "rule",
        "options",
        "status",
        "created_at",
        "expires_at",
    }
    assert body["id"] == asked.pk
    assert (body["action"], body["parameters"]) == ("shout", {"argument": "look at Item 1"})
    assert (body["provenance"], body["item"], body["rule"], body["status"]) == (
        "llm",
        "item-1",
        "automation #1",
        "pending",
    )
    assert body["options"] == [{"id": "approve", "label": "Approve"}, {"id": "reject", "label": "Reject"}]
    assert body["created_at"].endswith("+00:00")
    created = timezone.datetime.fromisoformat(body["created_at"])
    expires = timezone.datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=23, minutes=59) < expires - created <= timedelta(hours=24, seconds=1)


def test_the_status_filter_leaves_other_approvals_out(api_client, asked):
    assert api_client.get("/api/approvals?status=approved").json() == {"approvals": []}
    assert len(api_client.get("/api/approvals").json()["approvals"]) == 1
    response = api_client.get("/api/approvals?status=maybe")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("query.status: Input should be 'pending', 'approved'")


def test_approving_runs_the_action_once_at_priority_2_with_human_provenance(api_client, asked):
    response = post(api_client, f"/api/approvals/{asked.pk}", {"option": "approve"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved"
    task = Task.objects.get(uid=body["task_id"])
    assert (task.type, task.priority) == ("dummy.items.act", 2)
    assert task.payload["items"][0]["actions"][0]["provenance"] == "human"
    drain()
    assert effects("shout") == [{"action": "shout", "n": 1, "text": "look at Item 1"}]
    record = ActionRecord.objects.get()
    assert (record.status, record.provenance) == ("done", "human")
    asked.refresh_from_db()
    assert (asked.status, asked.task_id) == ("approved", task.pk)


def test_an_approved_action_runs_exactly_once(api_client, asked):
    first = post(api_client, f"/api/approvals/{asked.pk}", {"option": "approve"}).json()
    again = post(api_client, f"/api/approvals/{asked.pk}", {"option": "approve"})
    assert again.status_code == 409
    assert again.json() == {"detail": f"Approval {asked.pk} is already approved"}
    drain()
    Task.objects.create(
        type="dummy.items.act", payload=Task.objects.get(uid=first["task_id"]).payload, priority=2
    )
    drain()  # a duplicate of the approved task, arriving by any path, finds the action done
    run_pipeline()  # and the automation firing again finds it done too
    assert len(effects("shout")) == 1
    assert Approval.objects.count() == 1


def test_rejecting_records_it_and_runs_nothing(api_client, asked):
    response = post(api_client, f"/api/approvals/{asked.pk}", {"option": "reject"})
    assert (response.status_code, response.json()) == (200, {"status": "rejected"})
    drain()
    run_pipeline()
    assert effects("shout") == []
    record = ActionRecord.objects.get()
    assert (record.status, record.summary) == ("blocked", "rejected by a person")
    assert AuditEntry.objects.filter(message__startswith=f"Approval #{asked.pk} rejected").exists()
    assert post(api_client, f"/api/approvals/{asked.pk}", {"option": "approve"}).status_code == 409


def test_an_expired_approval_is_recorded_and_refused(api_client, asked):
    Approval.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post(api_client, f"/api/approvals/{asked.pk}", {"option": "approve"})
    assert response.status_code == 409
    assert response.json()["detail"] == f"Approval {asked.pk} is already expired"
    asked.refresh_from_db()
    assert asked.status == "expired"
    assert ActionRecord.objects.get().status == "blocked"
    entry = AuditEntry.objects.get(message__startswith=f"Approval #{asked.pk} expired")
    assert entry.level == "warning"
    assert effects("shout") == []


def test_listing_expires_due_approvals(api_client, asked):
    Approval.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client.get("/api/approvals?status=pending").json() == {"approvals": []}
    assert api_client.get("/api/approvals?status=expired").json()["approvals"][0]["id"] == asked.pk


def test_unknown_approval_is_404(api_client, steward):
    response = post(api_client, "/api/approvals/999", {"option": "approve"})
    assert (response.status_code, response.json()) == (404, {"detail": "Approval '999' not found"})
    response = post(api_client, "/api/approvals/abc", {"option": "approve"})
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found: /api/approvals/abc"})


def test_an_invalid_option_is_400_and_changes_nothing(api_client, asked):
    response = post(api_client, f"/api/approvals/{asked.pk}", {"option": "maybe"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid option 'maybe'. Valid options: approve, reject"}
    asked.refresh_from_db()
    assert asked.status == "pending"


def test_a_missing_option_is_a_validation_error(api_client, asked):
    assert post(api_client, f"/api/approvals/{asked.pk}", {}).status_code == 422


def test_an_approved_service_runs_with_human_provenance(api_client, steward):
    echo = {"service": {"call": "dummy.one.echo", "inputs": {"text": "{{ title }}"}}}
    configure(
        steward,
        automations=[{"when": {"classification.interesting": "> 0.5"}, "then": echo, "on_blocked": "ask"}],
        options={"count": 1},
    )
    run_pipeline()
    approval = Approval.objects.get()
    assert (approval.action, approval.parameters) == ("dummy.one.echo", {"text": "Item 1"})
    assert not Task.objects.filter(type="service.dummy.echo").exists()
    body = post(api_client, f"/api/approvals/{approval.pk}", {"option": "approve"}).json()
    task = Task.objects.get(uid=body["task_id"])
    assert (task.type, task.priority) == ("service.dummy.echo", 2)
    drain()
    assert effects("echo") == [{"action": "echo", "text": "Item 1"}]
    assert ActionRecord.objects.get().status == "done"
