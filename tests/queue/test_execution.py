"""Outcomes recorded by execute(), in-process through the real claim path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestrator.models import Task
from orchestrator.queue import enqueue, task_handler
from orchestrator.queue.claim import claim_next
from orchestrator.queue.execution import execute

pytestmark = pytest.mark.django_db


class NoSlot(Exception):
    permanent = False
    retry_after_s = 5
    counts_as_attempt = False


@task_handler("test.no_slot", max_runtime_s=10, max_attempts=2)
def no_slot(task: Task) -> None:
    raise NoSlot("no free LLM slot")


def run_once() -> Task:
    task = claim_next("default", lease=timedelta(minutes=1))
    assert task is not None
    execute(task.pk, task.attempts)
    return Task.objects.get(pk=task.pk)


def test_a_task_that_found_no_slot_is_requeued_without_spending_an_attempt():
    enqueue("test.no_slot", {})
    for _ in range(5):  # more than max_attempts: it must never reach the dead letter this way
        task = run_once()
        assert task.status == "pending"
        assert task.attempts == 0
        assert task.not_before is not None
        Task.objects.filter(pk=task.pk).update(not_before=None)
