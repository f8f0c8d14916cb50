"""Two worker machines (two ``supervisor --role workers``) on one PostgreSQL drain 5,000 tasks of
mixed priority: each runs exactly once, claims follow priority, no lock errors, no deadlock."""

from __future__ import annotations

import pytest
from django.db import transaction

from orchestrator.models import Task
from orchestrator.queue import enqueue
from tests.plugins.queue_tasks import read_starts
from tests.queue.databases import QueueDatabase
from tests.queue.processes import wait_until
from tests.supervisor.test_topology import Machines, machines, pg_db

__all__ = ["machines", "pg_db"]

TASKS = 5000
PRIORITIES = (3, 4, 5, 6, 7, 8, 9)
# Claimed but not yet started when a more urgent one is claimed: per machine, the local queue
# (1), the pusher's hand (1) and the workers (2) — so at most this many starts may jump ahead.
IN_FLIGHT = 2 * 4


@pytest.mark.postgres
def test_two_worker_machines_drain_five_thousand_tasks_once_each_in_priority_order(
    machines: Machines, pg_db: QueueDatabase
):
    log = pg_db.data_dir / "starts.jsonl"
    with transaction.atomic():  # all visible at once, so both machines compete from the first poll
        for n in range(TASKS):
            enqueue("test.record", {"log": str(log), "label": n}, priority=PRIORITIES[n % len(PRIORITIES)])
    for _machine in range(2):
        machines.start("--role", "workers", REDIS_URL="")

    wait_until(
        lambda: not Task.objects.exclude(status="done").exists(), timeout=900, interval=2, what="the drain"
    )
    starts = read_starts(log)
    assert len(starts) == TASKS
    assert sorted(s["label"] for s in starts) == list(range(TASKS))
    assert {s["attempt"] for s in starts} == {1}
    assert len({s["pid"] for s in starts}) >= 2, "both machines' workers ran tasks"

    assert not ran_ahead(sorted(starts, key=lambda s: s["at"])), "starts ran ahead of more urgent work"
    logs = "\n".join(path.read_text(errors="replace") for path in pg_db.data_dir.glob("machine-*.log"))
    assert "database is locked" not in logs
    assert "deadlock detected" not in logs


def ran_ahead(ordered: list[dict[str, int]]) -> list[dict[str, int]]:
    """Starts followed by more than IN_FLIGHT starts of more urgent (lower) priority."""
    later_per_priority = dict.fromkeys(PRIORITIES, 0)
    found = []
    for start in reversed(ordered):
        more_urgent_later = sum(n for p, n in later_per_priority.items() if p < start["priority"])
        if more_urgent_later > IN_FLIGHT:
            found.append(start)
        later_per_priority[start["priority"]] += 1
    return found
