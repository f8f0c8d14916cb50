"""Short leases renewed by a heartbeat (orchestrator/queue/lease.py), under real ``qcluster``
processes with the production lease settings (no shortened ``retry``): a SIGKILLed worker's task
runs again within seconds, a live worker's long task is never taken from it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from orchestrator.models import Integration, Item, LLMProfile, PlatformConfig, Task
from orchestrator.queue import enqueue
from orchestrator.queue.lease import LEASE_S
from orchestrator.running.triggers import integration_trigger
from tests.plugins.classifier import HANG_MARKER
from tests.plugins.queue_tasks import read_starts
from tests.queue.databases import QueueDatabase
from tests.queue.processes import Clusters, wait_until
from tests.queue.test_workers import start_and_wait, task_status

pytestmark = pytest.mark.slow

RERUN_WITHIN_S = 30  # the promise in docs/RELIABILITY.md


def test_a_killed_workers_task_runs_again_within_30_s(queue_db: QueueDatabase, clusters: Clusters):
    log = queue_db.data_dir / "starts.jsonl"
    task = enqueue("test.hang_first_attempt", {"log": str(log)}, priority=5)
    start_and_wait(clusters, "default")

    (first,) = wait_until(lambda: read_starts(log), timeout=30, what="the first attempt")
    os.kill(first["pid"], signal.SIGKILL)
    killed_at = time.time()

    wait_until(lambda: len(read_starts(log)) == 2, timeout=RERUN_WITHIN_S + 15, what="the second attempt")
    rerun_after = read_starts(log)[1]["at"] - killed_at
    assert rerun_after < RERUN_WITHIN_S, f"re-ran {rerun_after:.1f} s after the kill"
    wait_until(lambda: task_status(task) == "done", timeout=15, what="the re-run to finish")
    assert task.attempts == 2


def test_a_task_running_longer_than_its_lease_is_not_taken_from_a_live_worker(
    queue_db: QueueDatabase, clusters: Clusters
):
    log = queue_db.data_dir / "starts.jsonl"
    long_s = LEASE_S + 6  # outlives the first lease: only the renewals keep it ours
    task = enqueue("test.record", {"log": str(log), "label": "long", "sleep_s": long_s}, priority=5)
    clusters.start("default")
    clusters.start("default")  # a second machine's worker, idle and eager to reclaim

    wait_until(lambda: task_status(task) == "done", timeout=long_s + 60, interval=0.5, what="the long task")
    assert [s["attempt"] for s in read_starts(log)] == [1]
    assert task.attempts == 1


def configure_classifying_integration() -> None:
    profile = LLMProfile.objects.create(name="default", base_url="http://127.0.0.1:9", model="fake-model")
    integration = Integration.objects.create(type="dummy", name="one", llm=profile)
    PlatformConfig.objects.create(
        integration=integration,
        name="items",
        options={"count": 1},
        automations=[{"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "hot"}}],
    )


def test_an_item_whose_worker_is_killed_mid_classify_is_classified_within_60_s(
    queue_db: QueueDatabase, clusters: Clusters
):
    configure_classifying_integration()
    marker = Path(queue_db.data_dir) / HANG_MARKER
    start_and_wait(clusters, "default", STEWARD_CLASSIFIER="tests.plugins.classifier.classify_hanging_once")
    integration_trigger("dummy.one")

    hung = wait_until(lambda: marker.exists() and marker.read_text(), timeout=60, what="classify to start")
    pid = int(hung)
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    def classified() -> bool:
        return Item.objects.filter(classification__isnull=False).exists()

    wait_until(classified, timeout=60, interval=0.5, what="the item to be classified after the kill")
    elapsed = time.monotonic() - killed_at
    print(f"classified {elapsed:.1f} s after kill -9 of its worker")
    item = Item.objects.get()
    assert item.classification == {"interesting": 0.9}
    classify = Task.objects.get(type="dummy.items.classify")
    assert classify.attempts == 2
