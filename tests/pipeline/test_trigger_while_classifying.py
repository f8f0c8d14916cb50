"""A manual trigger while a run's classifications are still queued or running classifies nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestrator.models import Integration, Item, Task
from orchestrator.queue.claim import claim_next
from orchestrator.queue.enqueue import enqueue
from orchestrator.queue.execution import execute
from orchestrator.running.triggers import integration_trigger
from tests.pipeline.driving import configure, drain, effects
from tests.plugins import classifier

pytestmark = pytest.mark.django_db

TAG_INTERESTING = [{"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "hot"}}]


def claim(task_type: str) -> Task:
    """Claim the next ready task, which must be of *task_type* (as a worker would)."""
    task = claim_next("default", lease=timedelta(minutes=5))
    assert task is not None
    assert task.type == task_type
    return task


def run_until_classify_is_claimed() -> Task:
    integration_trigger("dummy.one")
    for stage in ("check", "collect"):
        task = claim(f"dummy.items.{stage}")
        execute(task.pk, task.attempts)
    return claim("dummy.items.classify")  # a worker is now asking the LLM about the item


def test_a_trigger_while_the_classification_runs_does_not_classify_the_item_again(
    steward: Integration,
) -> None:
    configure(steward, automations=TAG_INTERESTING, options={"count": 1})
    running = run_until_classify_is_claimed()

    integration_trigger("dummy.one")  # the person presses "run" again
    second_run = drain()
    execute(running.pk, running.attempts)  # the first classification finishes
    drain()

    assert "dummy.items.classify" not in [t.type for t in second_run]
    assert len(classifier.CALLS) == 1
    assert Task.objects.filter(type="dummy.items.classify").count() == 1
    assert [e["n"] for e in effects("tag")] == [1]
    assert Item.objects.get().classification == {"interesting": 0.9}


def test_a_trigger_while_classifications_wait_for_a_retry_does_not_queue_twins(steward: Integration) -> None:
    configure(steward, automations=TAG_INTERESTING)
    integration_trigger("dummy.one")
    for stage in ("check", "collect"):
        task = claim(f"dummy.items.{stage}")
        execute(task.pk, task.attempts)
    Task.objects.filter(type="dummy.items.classify").update(not_before="2999-01-01T00:00:00Z")

    integration_trigger("dummy.one")
    drain()

    assert [len(t.payload["items"]) for t in Task.objects.filter(type="dummy.items.classify")] == [3]
    assert classifier.CALLS == []


def test_a_twin_classify_task_that_runs_alongside_the_first_leaves_the_item_to_it(
    steward: Integration,
) -> None:
    configure(steward, automations=TAG_INTERESTING, options={"count": 1})
    first = run_until_classify_is_claimed()
    # A twin that got past the enqueue check, e.g. a dead-lettered classify re-run by hand.
    enqueue(first.type, first.payload, priority=first.priority, run=first.run)
    twin = claim("dummy.items.classify")

    execute(twin.pk, twin.attempts)
    execute(first.pk, first.attempts)
    drain()

    assert Task.objects.get(pk=twin.pk).result == {"skipped": "an earlier task is classifying this item now"}
    assert len(classifier.CALLS) == 1
    assert [e["n"] for e in effects("tag")] == [1]
