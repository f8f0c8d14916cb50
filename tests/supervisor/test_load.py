"""SQLite under the whole system at once: web, both clusters and the scheduler."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule

from orchestrator.models import Integration, PlatformConfig, Task
from orchestrator.queue import enqueue
from orchestrator.running.schedules import schedules_sync
from tests.queue.processes import wait_until
from tests.supervisor.conftest import StartSupervisor

pytestmark = pytest.mark.slow

# Django-Q2's sentinel runs the scheduler about every 30 s: the load outlasts its first pass.
LOAD_S = 36
HTTP_THREADS = 4


def scheduled_dummy_one() -> Schedule:
    integration = Integration.objects.create(type="dummy", name="one", schedule_every="1m")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 20})
    schedules_sync(integration)
    schedule = Schedule.objects.get(name="steward:dummy.one:items")
    Schedule.objects.filter(pk=schedule.pk).update(next_run=timezone.now() - timedelta(seconds=1))
    return schedule


def run_for(seconds: float, step: Callable[[int], None], errors: list[str]) -> None:
    deadline = time.monotonic() + seconds
    n = 0
    try:
        while time.monotonic() < deadline:
            step(n)
            n += 1
            time.sleep(0.01)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


def test_web_workers_and_scheduler_under_load_never_see_database_is_locked(start_supervisor: StartSupervisor):
    schedule = scheduled_dummy_one()
    supervisor = start_supervisor()
    statuses: Counter[int] = Counter()
    errors: list[str] = []

    def browse(n: int) -> None:
        with httpx.Client(base_url=supervisor.url, timeout=30) as client:
            if n % 3 == 0:
                response = client.post("/integrations/dummy.one/run")
            elif n % 3 == 1:
                response = client.get("/integrations")
            else:
                task = Task.objects.order_by("-id").first()
                response = client.get(f"/api/tasks/{task.uid}" if task else "/")
            statuses[response.status_code] += 1

    def produce(n: int) -> None:
        enqueue("noop", {"echo": n}, priority=random.choice([1, 2, 3, 5, 6, 7, 9]))

    threads = [threading.Thread(target=run_for, args=(LOAD_S, browse, errors)) for _ in range(HTTP_THREADS)]
    threads.append(threading.Thread(target=run_for, args=(LOAD_S, produce, errors)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_S + 60)

    wait_until(lambda: Schedule.objects.get(pk=schedule.pk).task, timeout=30, what="the scheduler to fire")
    wait_until(
        lambda: not Task.objects.filter(type="noop", status__in=["pending", "running"]).exists(),
        timeout=60,
        interval=0.5,
        what="the workers to drain the noop tasks",
    )
    assert errors == []
    assert sum(statuses.values()) > 100
    assert not [status for status in statuses if status >= 500], statuses
    assert "database is locked" not in supervisor.output()
    assert not Task.objects.filter(error__icontains="locked").exists()
    assert Task.objects.filter(type="noop", status="done").count() > 100
