"""The inline runner (``run_integration --inline``) reclaims what a dead process left running and
says what it waits for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from orchestrator.models import Task
from orchestrator.queue import enqueue
from orchestrator.queue.inline import run_inline, waiting_for
from tests.plugins.queue_tasks import read_starts

pytestmark = pytest.mark.django_db


def left_running_by_a_dead_worker(task: Task, *, lease_left_s: float) -> None:
    now = timezone.now()
    Task.objects.filter(pk=task.pk).update(
        status="running",
        attempts=1,
        claimed_by="gone-host:4242",
        started_at=now,
        lease_expires_at=now + timedelta(seconds=lease_left_s),
    )


def test_inline_reclaims_a_task_whose_worker_died_once_its_lease_ends(tmp_path):
    log = tmp_path / "starts.jsonl"
    task = enqueue("test.record", {"log": str(log), "label": "left"})
    left_running_by_a_dead_worker(task, lease_left_s=1.5)
    said: list[str] = []

    executed = run_inline([task], on_wait=said.append)

    assert executed == 1
    task.refresh_from_db()
    assert (task.status, task.attempts) == ("done", 2)
    assert [s["attempt"] for s in read_starts(log)] == [2]
    assert len(said) == 1
    assert said[0].startswith(f"waiting for test.record#{task.pk}, running in gone-host:4242")
    assert "reclaimed here if that process stops renewing its lease" in said[0]


def test_waiting_for_names_a_retry_and_its_reason():
    task = enqueue("test.record", {"log": "/dev/null"})
    Task.objects.filter(pk=task.pk).update(
        not_before=timezone.now() + timedelta(seconds=30), error="ConnectionError: LLM server down"
    )
    reason = waiting_for(Q(pk=task.pk))
    expected = f"waiting for test.record#{task.pk} to retry after ConnectionError: LLM server down in "
    assert reason.startswith(expected)
