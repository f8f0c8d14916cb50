"""The queue under real Django-Q2 ``qcluster`` processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from django.db import transaction

from orchestrator.models import Integration, PlatformConfig, Task
from orchestrator.queue import enqueue
from orchestrator.queue.deadletter import task_rerun
from orchestrator.running.triggers import integration_trigger
from tests.plugins.queue_tasks import read_starts
from tests.queue.databases import QueueDatabase
from tests.queue.processes import Clusters, cluster_is_up, wait_until
from tests.support.races import all_at_once

pytestmark = pytest.mark.slow

# Django-Q2 reads its settings once, at import: short leases reach the workers through their env.
SHORT_LEASE = {"STEWARD_Q_TIMEOUT": "2", "STEWARD_Q_RETRY": "3"}
ONE_WORKER = {"STEWARD_Q_WORKERS": "1", "STEWARD_Q_RESERVED_WORKERS": "0"}  # starts follow claims


def start_and_wait(clusters: Clusters, name: str = "default", **env: str) -> None:
    since = time.time()
    clusters.start(name, **env)
    wait_until(lambda: cluster_is_up(name, since), timeout=30, what=f"the {name} cluster to poll")


def task_status(task: Task) -> str:
    task.refresh_from_db()
    return task.status


def test_waiting_tasks_run_by_priority_then_fifo_when_workers_start(
    queue_db: QueueDatabase, clusters: Clusters
):
    log = queue_db.data_dir / "starts.jsonl"
    for label, priority in [("9a", 9), ("5a", 5), ("9b", 9), ("6", 6), ("5b", 5), ("1", 1)]:
        enqueue("test.record", {"log": str(log), "label": label}, priority=priority)

    start_and_wait(clusters, "default", **ONE_WORKER)

    wait_until(lambda: len(read_starts(log)) == 6, timeout=30, what="all six tasks")
    assert [s["label"] for s in read_starts(log)] == ["1", "5a", "5b", "6", "9a", "9b"]
    # The last start is logged a moment before its task is recorded done.
    wait_until(
        lambda: set(Task.objects.values_list("status", flat=True)) == {"done"}, timeout=10, what="done"
    )


def test_a_new_urgent_task_starts_after_at_most_queue_limit_plus_one_claimed_ones(
    queue_db: QueueDatabase, clusters: Clusters
):
    log = queue_db.data_dir / "starts.jsonl"
    for n in range(6):
        enqueue("test.record", {"log": str(log), "label": f"bg{n}", "sleep_s": 0.5}, priority=7)
    start_and_wait(clusters, "default", **ONE_WORKER)
    wait_until(lambda: read_starts(log), timeout=15, what="the first background task")

    urgent_enqueued_at = time.time()
    enqueue("test.record", {"log": str(log), "label": "urgent"}, priority=3)
    wait_until(lambda: "urgent" in [s["label"] for s in read_starts(log)], timeout=30, what="the urgent task")

    labels = [s["label"] for s in read_starts(log) if s["at"] > urgent_enqueued_at]
    assert labels.index("urgent") <= 2  # queue_limit (1) + the one the pusher holds


def test_the_reserved_worker_serves_a_chat_turn_while_background_work_is_busy(
    queue_db: QueueDatabase, clusters: Clusters
):
    log = queue_db.data_dir / "starts.jsonl"
    start_and_wait(clusters, "default")  # 2 background workers + 1 reserved for priorities 1–2
    for n in range(6):  # more than the background workers can take: the rest stays pending
        enqueue("test.record", {"log": str(log), "label": f"busy{n}", "sleep_s": 2}, priority=6)
    wait_until(lambda: len(read_starts(log)) >= 2, timeout=15, what="the background tasks")
    time.sleep(0.5)  # a third background start would come within milliseconds; these take 2 s
    assert len(read_starts(log)) == 2, "background work must leave the reserved worker free"

    chat = enqueue("test.record", {"log": str(log), "label": "chat"}, priority=1)
    wait_until(lambda: task_status(chat) == "done", timeout=10, what="the chat turn")
    assert Task.objects.filter(priority=6, status="running").exists(), "background work still busy"
    assert chat.started_at is not None
    assert chat.started_at - chat.created_at < timedelta(seconds=1)


def test_task_of_a_killed_worker_runs_again(queue_db: QueueDatabase, clusters: Clusters):
    log = queue_db.data_dir / "starts.jsonl"
    task = enqueue("test.hang_first_attempt", {"log": str(log)}, priority=5)
    start_and_wait(clusters, "default", STEWARD_Q_TIMEOUT="3", STEWARD_Q_RETRY="5")

    (first,) = wait_until(lambda: read_starts(log), timeout=15, what="the first attempt")
    os.kill(first["pid"], signal.SIGKILL)

    wait_until(lambda: task_status(task) == "done", timeout=30, what="the task to run again")
    starts = read_starts(log)
    assert [s["attempt"] for s in starts] == [1, 2]
    assert starts[1]["pid"] != first["pid"]
    assert task.attempts == 2


def test_task_whose_worker_always_dies_lands_in_dead_letter_and_can_be_rerun(
    queue_db: QueueDatabase, clusters: Clusters
):
    log = queue_db.data_dir / "starts.jsonl"
    spare = queue_db.data_dir / "spare"
    task = enqueue("test.die", {"log": str(log), "spare_if": str(spare)}, priority=5)
    start_and_wait(clusters, "default", **SHORT_LEASE)

    wait_until(lambda: task_status(task) == "failed", timeout=60, what="the dead letter")
    assert task.error == "worker died during execution (3 times)"
    assert task.attempts == task.max_attempts == 3
    assert [s["attempt"] for s in read_starts(log)] == [1, 2, 3]

    spare.touch()
    rerun = task_rerun(task=task)
    wait_until(lambda: task_status(rerun) == "done", timeout=30, what="the re-run")
    assert (rerun.pk, rerun.attempts, rerun.result) == (task.pk, 1, {"spared": True})


def test_a_task_over_its_runtime_is_stopped_and_recorded_as_timed_out(
    queue_db: QueueDatabase, clusters: Clusters
):
    log = queue_db.data_dir / "starts.jsonl"
    slow = enqueue("test.record", {"log": str(log), "label": "slow", "sleep_s": 30}, max_attempts=1)
    start_and_wait(clusters, "default", **SHORT_LEASE)

    wait_until(lambda: task_status(slow) == "failed", timeout=20, what="the timeout")
    assert slow.error == "TaskTimedOut: timed out after 2 s"
    after = enqueue("test.record", {"log": str(log), "label": "after"})
    wait_until(lambda: task_status(after) == "done", timeout=20, what="the next task on a fresh worker")


def test_concurrent_identical_triggers_queue_one_task(queue_db: QueueDatabase):
    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 3})
    triggered = all_at_once(lambda: [task.uid for task in integration_trigger("dummy.one")])
    task_ids = [uid for uids in triggered for uid in uids]

    assert len(task_ids) == 5
    assert len(set(task_ids)) == 1
    assert Task.objects.filter(type="dummy.items.check").count() == 1


def test_two_worker_processes_drain_a_thousand_tasks_running_each_once(
    queue_db: QueueDatabase, clusters: Clusters
):
    log = queue_db.data_dir / "starts.jsonl"
    with transaction.atomic():  # visible at once, so both clusters compete from the first poll
        for n in range(1000):
            enqueue("test.record", {"log": str(log), "label": n}, priority=5 + n % 3)
    quiet = {"STEWARD_LOG_LEVEL": "WARNING"}
    clusters.start("default", **quiet)
    clusters.start("default", **quiet)

    wait_until(
        lambda: not Task.objects.exclude(status="done").exists(), timeout=240, interval=1, what="the drain"
    )
    starts = read_starts(log)
    assert len(starts) == 1000
    assert sorted(s["label"] for s in starts) == list(range(1000))
    assert {s["attempt"] for s in starts} == {1}
    claimers = set(Task.objects.values_list("claimed_by", flat=True))
    assert len(claimers) >= 2, "both worker processes should have claimed tasks"
