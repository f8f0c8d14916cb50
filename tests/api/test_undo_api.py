"""``POST /api/actions/{id}/undo`` (docs/SAFETY.md): soft-reversible actions only, once, audited."""

from __future__ import annotations

import pytest

from orchestrator.models import ActionRecord, AuditEntry, PlatformConfig
from tests.pipeline.driving import configure, effects, run_pipeline
from tests.plugins import dummy

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(steward) -> dict[str, ActionRecord]:
    configure(
        steward,
        automations=[{"when": {"n": 1}, "then": [{"tag": "hot"}, {"shout": "hey"}]}],
        options={"count": 1},
    )
    run_pipeline()
    return {record.action: record for record in ActionRecord.objects.all()}


def test_undoing_a_tag_removes_it_and_is_audited(api_client, done):
    record = done["tag"]
    response = api_client.post(f"/api/actions/{record.pk}/undo")
    assert response.status_code == 200
    assert response.json() == {"id": record.pk, "status": "undone"}
    assert effects("untag") == [{"action": "untag", "n": 1, "name": "hot"}]
    record.refresh_from_db()
    assert record.status == "undone"
    entry = AuditEntry.objects.get(message__startswith="Undid tag")
    assert (entry.item_key, entry.provenance) == ("item-1", "human")


def test_an_undone_action_is_not_run_again_by_the_pipeline(api_client, done):
    api_client.post(f"/api/actions/{done['tag'].pk}/undo")
    PlatformConfig.objects.update(options={"count": 1, "mood": "other"})  # re-evaluates the item
    run_pipeline()
    assert len(effects("tag")) == 1


def test_undoing_twice_is_409(api_client, done):
    record = done["tag"]
    api_client.post(f"/api/actions/{record.pk}/undo")
    response = api_client.post(f"/api/actions/{record.pk}/undo")
    assert response.status_code == 409
    assert response.json() == {"detail": f"Action {record.pk} (tag) was already undone"}
    assert len(effects("untag")) == 1


def test_an_irreversible_action_cannot_be_undone_and_the_detail_names_the_tier(api_client, done):
    response = api_client.post(f"/api/actions/{done['shout'].pk}/undo")
    assert response.status_code == 409
    assert "irreversible" in response.json()["detail"]


def test_an_action_that_is_not_done_cannot_be_undone(api_client, done):
    ActionRecord.objects.filter(pk=done["tag"].pk).update(status="blocked")
    response = api_client.post(f"/api/actions/{done['tag'].pk}/undo")
    assert response.status_code == 409
    assert "is blocked; only done actions can be undone" in response.json()["detail"]


def test_unknown_action_is_404(api_client, steward):
    response = api_client.post("/api/actions/999/undo")
    assert (response.status_code, response.json()) == (404, {"detail": "Action '999' not found"})
    response = api_client.post("/api/actions/abc/undo")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found: /api/actions/abc/undo"})


def test_a_failing_platform_undo_leaves_the_action_done(api_client, done, monkeypatch):
    from dataclasses import replace

    def broken(*args):
        raise ConnectionError("source unreachable")

    actions = dummy.INTEGRATION_TYPE.platforms["items"].actions
    monkeypatch.setitem(actions, "tag", replace(actions["tag"], undo=broken))
    response = api_client.post(f"/api/actions/{done['tag'].pk}/undo")
    assert response.status_code == 502
    assert "source unreachable" in response.json()["detail"]
    done["tag"].refresh_from_db()
    assert done["tag"].status == "done"
