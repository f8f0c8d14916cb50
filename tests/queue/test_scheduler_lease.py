"""The scheduler fires from exactly one process across machines: the holder of a database lease
(orchestrator/queue/scheduler_lease.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from orchestrator.models import Integration, PlatformConfig, ServiceLease, Task
from orchestrator.queue.scheduler_lease import SCHEDULER, lease_hold, lease_holder
from orchestrator.running.schedules import schedules_sync
from orchestrator.supervision import kill_session, session_pids
from tests.queue.databases import QueueDatabase
from tests.queue.processes import Clusters, cluster_is_up, wait_until

HOLD = timedelta(seconds=30)
FAST_TICK = {"STEWARD_SCHEDULER_TICK_S": "1"}  # holders renew every second, lapse after three


@pytest.mark.django_db
def test_a_lease_is_held_by_one_holder_until_it_lapses():
    assert lease_hold(SCHEDULER, "a:1", hold=HOLD)
    assert lease_hold(SCHEDULER, "a:1", hold=HOLD)  # the holder renews
    assert not lease_hold(SCHEDULER, "b:2", hold=HOLD)
    ServiceLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert lease_holder(SCHEDULER) is None
    assert lease_hold(SCHEDULER, "b:2", hold=HOLD)  # taken over once lapsed
    assert not lease_hold(SCHEDULER, "a:1", hold=HOLD)
    assert ServiceLease.objects.get().holder == "b:2"


@pytest.mark.slow
def test_two_machines_fire_a_due_schedule_once_and_the_survivor_takes_over_the_scheduler(
    queue_db: QueueDatabase, clusters: Clusters
):
    integration = Integration.objects.create(type="dummy", name="one", schedule_every="1m")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 1})
    schedules_sync(integration)
    from django_q.models import Schedule

    Schedule.objects.update(next_run=timezone.now() - timedelta(seconds=1))  # due now
    since = time.time()
    first = clusters.start("default", **FAST_TICK)
    second = clusters.start("default", **FAST_TICK)
    wait_until(lambda: cluster_is_up("default", since), timeout=30, what="the clusters")
    checks = Task.objects.filter(type="dummy.items.check")
    wait_until(checks.exists, timeout=30, what="the schedule to fire")
    time.sleep(3)  # both schedulers ticked several times meanwhile
    assert checks.count() == 1
    assert ServiceLease.objects.count() == 1

    holder = lease_holder(SCHEDULER)
    assert holder is not None
    dead = next(p for p in (first, second) if holds_in_session(holder.holder, p))
    os.kill(dead.pid, signal.SIGKILL)
    kill_session(dead.pid)  # the whole machine goes: its pusher (the holder) included
    wait_until(
        lambda: (h := lease_holder(SCHEDULER)) is not None and h.holder != holder.holder,
        timeout=20,
        what="the surviving machine to take over the scheduler",
    )


def holds_in_session(holder: str, process: subprocess.Popen[bytes]) -> bool:
    """Is the ``host:pid`` *holder* one of the processes of *process*'s session?"""
    return int(holder.rsplit(":", 1)[1]) in session_pids(process.pid)


@pytest.mark.django_db
def test_only_the_lease_holder_fires_due_schedules(monkeypatch: pytest.MonkeyPatch):
    """Django-Q2 also locks due schedule rows, so the two-machine test above cannot tell the lease
    from that lock; this one can: a second machine's tick fires nothing while the first holds."""
    import django_q.scheduler
    from django_q.brokers import get_broker
    from django_q.models import Schedule

    # Its "close old connections" would close the test transaction's connection on PostgreSQL.
    monkeypatch.setattr(django_q.scheduler, "close_old_django_connections", lambda: None)

    from orchestrator.queue.scheduler_lease import scheduler_tick

    integration = Integration.objects.create(type="dummy", name="one", schedule_every="1m")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 1})
    schedules_sync(integration)
    checks = Task.objects.filter(type="dummy.items.check")
    broker = get_broker()

    Schedule.objects.update(next_run=timezone.now() - timedelta(seconds=1))
    assert scheduler_tick(broker, "machine-a:1")
    assert checks.count() == 1
    checks.update(status=Task.Status.DONE)  # a pending check would absorb the next one

    Schedule.objects.update(next_run=timezone.now() - timedelta(seconds=1))  # due again
    assert not scheduler_tick(broker, "machine-b:2")
    assert checks.count() == 1  # the other machine fired nothing
    assert scheduler_tick(broker, "machine-a:1")
    assert checks.count() == 2
