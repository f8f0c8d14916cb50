"""The pusher's doorbell: while every background slot runs, rings for more background work claim
nothing (a busy run queues a task or more per task it runs); a freed worker or a chat turn does."""

from __future__ import annotations

from typing import Any

import pytest
from django_q.brokers import get_broker

from orchestrator.models import Task
from orchestrator.queue import broker as broker_module
from orchestrator.queue.enqueue import enqueue
from orchestrator.queue.handlers import task_handler

pytestmark = pytest.mark.django_db(transaction=True)


@task_handler("test.pusher_ring", max_runtime_s=30)
def _noop(task: Task) -> None:
    """Never run here: the test only claims."""


@pytest.fixture
def pusher(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(broker_module, "keep_claims_alive", lambda: None)  # no lease thread here
    monkeypatch.setattr(broker_module, "keep_scheduling", lambda broker: None)
    monkeypatch.setattr(broker_module, "background_slots", lambda: 1)
    pusher = get_broker()
    pusher.dequeue()  # nothing queued: opens its doorbell, the safety poll comes later
    return pusher


def claimed(packages: list[tuple[str, Any]] | None) -> list[str]:
    return [uid for uid, _ in packages or []]


def test_a_full_pusher_ignores_rings_for_background_work_but_not_a_freed_worker(
    pusher: Any, django_assert_num_queries: Any
) -> None:
    running = enqueue("test.pusher_ring", {"n": 1}, priority=6)
    assert claimed(pusher.dequeue()) == [running.uid]  # takes the only background slot
    pusher.dequeue()  # nothing it may start: full, and no task of priority 1-2

    waiting = enqueue("test.pusher_ring", {"n": 2}, priority=6)
    with django_assert_num_queries(0):  # rung, but it could start nothing: not even a look
        assert pusher.dequeue() is None
    assert Task.objects.get(pk=waiting.pk).status == Task.Status.PENDING

    chat = enqueue("test.pusher_ring", {"n": 3}, priority=1)
    assert claimed(pusher.dequeue()) == [chat.uid]  # a chat turn is claimed at once

    Task.objects.filter(pk=running.pk).update(status=Task.Status.DONE)
    broker_module.worker_freed(sender=None)
    assert claimed(pusher.dequeue()) == [waiting.uid]  # the freed slot is used at once
