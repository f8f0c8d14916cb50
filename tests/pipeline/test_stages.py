"""check → collect over the dummy plugin, executed in-process through the real claim path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestrator.models import Item, PlatformConfig, Run, Task
from orchestrator.queue.claim import claim_next
from orchestrator.queue.execution import execute
from orchestrator.running.triggers import integration_trigger

pytestmark = pytest.mark.django_db


def drain() -> list[Task]:
    """Run every ready task of the default cluster in this process, in claim order."""
    ran = []
    while (task := claim_next("default", lease=timedelta(minutes=5))) is not None:
        execute(task.pk, task.attempts)
        ran.append(Task.objects.get(pk=task.pk))
    return ran


def test_check_discovers_items_and_collect_stores_snapshots(dummy_integration):
    integration_trigger("dummy.one")
    ran = drain()
    assert [t.type for t in ran] == ["dummy.items.check", "dummy.items.collect"]
    assert all(t.status == "done" for t in ran)
    run = Run.objects.get()
    assert (run.status, run.seen, run.new) == ("done", 3, 3)
    item = Item.objects.get(key="item-2")
    assert item.snapshot == {"n": 2, "title": "Item 2", "tags": ["even"]}
    assert item.llm_input == "Title: Item 2"
    assert len(item.content_hash) == 64


def test_collect_runs_before_other_background_work(dummy_integration):
    integration_trigger("dummy.one")
    ran = drain()
    collect = next(t for t in ran if t.type.endswith(".collect"))
    assert collect.priority == 3
    assert collect.run_id == Run.objects.get().pk


def test_second_run_over_unchanged_items_collects_nothing(dummy_integration):
    integration_trigger("dummy.one")
    drain()
    integration_trigger("dummy.one")
    ran = drain()
    assert [t.type for t in ran] == ["dummy.items.check"]
    latest = Run.objects.order_by("-id").first()
    assert (latest.seen, latest.new) == (3, 0)


def test_items_gone_from_the_source_are_synced_and_restored(dummy_integration):
    integration_trigger("dummy.one")
    drain()
    PlatformConfig.objects.update(options={"count": 1})
    integration_trigger("dummy.one")
    drain()
    assert set(Item.objects.filter(status="synced").values_list("key", flat=True)) == {"item-2", "item-3"}
    PlatformConfig.objects.update(options={"count": 3})
    integration_trigger("dummy.one")
    drain()
    assert not Item.objects.filter(status="synced").exists()


def test_check_of_a_deleted_integration_fails_permanently(dummy_integration):
    (task,) = integration_trigger("dummy.one")
    dummy_integration.delete()
    drain()
    task.refresh_from_db()
    assert task.status == "failed"
    assert task.attempts == 1
    assert "not found" in task.error


def test_a_retried_entry_task_keeps_its_run(dummy_integration):
    from orchestrator.pipeline.stages import check

    (task,) = integration_trigger("dummy.one")
    check(task)
    task.refresh_from_db()
    check(task)  # as a retry after a transient failure would
    assert Run.objects.count() == 1
