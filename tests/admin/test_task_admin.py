"""The task admin is read-only; failed tasks (the dead letter) can be re-run from it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orchestrator.models import Task

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orchestrator_task_changelist")


@pytest.fixture
def failed_task() -> Task:
    return Task.objects.create(
        type="dummy.items.check",
        payload={"integration": "dummy.one", "platform": "items"},
        dedup_key="k1",
        status=Task.Status.FAILED,
        attempts=3,
        error="worker died during execution (3 times)",
        traceback="Traceback (most recent call last):\n  boom",
    )


def test_detail_shows_payload_error_and_traceback(admin_client, failed_task):
    html = admin_client.get(reverse("admin:orchestrator_task_change", args=[failed_task.pk])).content.decode()
    assert "worker died during execution (3 times)" in html
    assert "most recent call last" in html
    assert "&quot;platform&quot;: &quot;items&quot;" in html
    assert 'name="_save"' not in html  # nothing to save: read-only


def test_tasks_cannot_be_added_or_deleted(admin_client, failed_task):
    assert admin_client.get(reverse("admin:orchestrator_task_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:orchestrator_task_delete", args=[failed_task.pk])).status_code == 403
    )


def test_list_filters_and_search(admin_client, failed_task):
    Task.objects.create(type="chat.turn", priority=1)
    assert admin_client.get(CHANGELIST, {"status": "failed"}).context["cl"].result_count == 1
    assert admin_client.get(CHANGELIST, {"priority": "1"}).context["cl"].result_count == 1
    assert admin_client.get(CHANGELIST, {"type": "chat.turn"}).context["cl"].result_count == 1
    assert admin_client.get(CHANGELIST, {"q": failed_task.uid}).context["cl"].result_count == 1


def test_rerun_action_puts_failed_tasks_back_in_the_queue(admin_client, failed_task):
    done = Task.objects.create(type="x", status=Task.Status.DONE)
    response = admin_client.post(
        CHANGELIST, {"action": "rerun_failed", "_selected_action": [failed_task.pk, done.pk]}, follow=True
    )
    html = response.content.decode()
    assert "Queued 1 failed task(s) again." in html
    assert "Skipped 1 task(s) that had not failed." in html
    failed_task.refresh_from_db()
    assert (failed_task.status, failed_task.attempts, failed_task.error) == ("pending", 0, "")
    done.refresh_from_db()
    assert done.status == "done"


@pytest.mark.parametrize("model", ["run", "item", "workerheartbeat"])
def test_pipeline_records_are_read_only(admin_client, model):
    assert admin_client.get(reverse(f"admin:orchestrator_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:orchestrator_{model}_add")).status_code == 403
