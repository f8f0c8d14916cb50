"""The scheduler runs in exactly one process across all machines: whoever holds its database lease.

Every ``default`` cluster (one per worker machine) starts a scheduler thread in its pusher. Each
tick, the thread takes or renews the ``scheduler`` :class:`ServiceLease`; only the holder fires due
schedules (Django-Q2's own ``scheduler()``, whose sentinel-driven call is switched off in
settings). When the holder dies its lease lapses after :data:`HOLD_S` and another machine's thread
takes over, so schedules keep firing, once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.brokers import Broker

from orchestrator.models import ServiceLease
from orchestrator.queue.lease import worker_identity

logger = logging.getLogger(__name__)

SCHEDULER = "scheduler"
TICK_S = float(os.environ.get("STEWARD_SCHEDULER_TICK_S") or 30.0)  # Django-Q2's own cadence
HOLD_S = 3 * TICK_S  # a holder that missed three ticks is presumed dead


def lease_hold(name: str, holder: str, *, hold: timedelta) -> bool:
    """Take or renew the lease *name* for *holder*; False while someone else holds it."""
    now = timezone.now()
    # On PostgreSQL a concurrent UPDATE waits for the row lock and re-checks the WHERE clause on
    # the winner's row, so of two takers of a lapsed lease exactly one succeeds.
    with transaction.atomic():
        renewed = (
            ServiceLease.objects.filter(name=name)
            .filter(Q(holder=holder) | Q(expires_at__lt=now))
            .update(holder=holder, expires_at=now + hold)
        )
        if renewed:
            return True
        if ServiceLease.objects.filter(name=name).exists():
            return False
    try:
        with transaction.atomic():
            ServiceLease.objects.create(name=name, holder=holder, expires_at=now + hold)
    except IntegrityError:
        return False  # another process created it first
    return True


def lease_holder(name: str) -> ServiceLease | None:
    """The current, unexpired holder of *name*, if any."""
    return ServiceLease.objects.filter(name=name, expires_at__gte=timezone.now()).first()


def scheduler_tick(broker: Broker, holder: str) -> bool:
    """Fire due schedules if *holder* holds (or can take) the scheduler lease; True if it did."""
    if not lease_hold(SCHEDULER, holder, hold=timedelta(seconds=HOLD_S)):
        return False
    from django_q.scheduler import scheduler

    scheduler(broker=broker)
    return True


_scheduler_thread: tuple[int, threading.Thread] | None = None


def keep_scheduling(broker: Broker) -> None:
    """Start, once per process, the thread that competes for the scheduler lease and fires schedules."""
    global _scheduler_thread
    pid = os.getpid()
    if _scheduler_thread is not None and _scheduler_thread[0] == pid:
        return
    holder = worker_identity()

    def loop() -> None:
        while True:
            try:
                scheduler_tick(broker, holder)
            except DatabaseError:
                logger.warning("scheduler: database unavailable; retrying next tick", exc_info=True)
                connection.close()
            except Exception:  # a broken schedule must not end scheduling for every other one
                logger.exception("scheduler tick failed")
            time.sleep(TICK_S)

    thread = threading.Thread(target=loop, name=f"scheduler-{holder}", daemon=True)
    thread.start()
    _scheduler_thread = (pid, thread)
