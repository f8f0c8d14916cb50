"""Short task leases kept alive by a heartbeat, so a dead worker's task runs again within seconds.

A claimed task holds a lease of :func:`lease_length` (20 s by default). While it is alive, the
process that holds the task renews that lease every quarter of it from a background thread:

- the *pusher* (the process that claims for a Django-Q2 cluster) renews the tasks it claimed that
  are still waiting in the cluster's local queue (``claimed_by`` is the pusher's identity);
- the *worker* that runs a task takes it over (``claimed_by`` becomes the worker's identity) and
  renews it until the handler returns.

A process killed with SIGKILL (or OOM, or a native crash) stops renewing, so its tasks become
claimable again one lease later instead of after the task's whole runtime budget. A handler that
overruns is still bounded: renewal stops at its timeout plus the guard's kill delay.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from django.db import DatabaseError, connection
from django.utils import timezone
from django_q.conf import Conf

from orchestrator.models import Task

logger = logging.getLogger(__name__)

LEASE_S = 20.0  # a dead worker's task is claimable again at most this long after its last renewal
RENEWALS_PER_LEASE = 4  # renew every quarter lease: three renewals may fail before the lease ends
PUSHER_GRACE_S = 15.0


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_length() -> timedelta:
    """The lease a claim or a renewal grants; never above the cluster's ``retry`` (tests shorten it)."""
    seconds = min(LEASE_S, float(Conf.RETRY)) if Conf.RETRY else LEASE_S
    return timedelta(seconds=seconds)


def renew_interval_s() -> float:
    return max(lease_length().total_seconds() / RENEWALS_PER_LEASE, 0.1)


class LeaseKeeper:
    """A daemon thread that calls *renew* every :func:`renew_interval_s` until stopped.

    *renew* returns how many leases it extended; the thread's database connection is its own and
    is closed on every error (a dropped PostgreSQL connection is reopened on the next beat).
    """

    def __init__(self, name: str, renew: Callable[[], int], *, until_s: float | None = None):
        self._renew = renew
        self._stop = threading.Event()
        self._until_s = until_s
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        started = timezone.now()
        try:
            while not self._stop.wait(renew_interval_s()):
                if self._until_s is not None and (timezone.now() - started).total_seconds() > self._until_s:
                    logger.warning("%s: stopped renewing after %.0f s", self._thread.name, self._until_s)
                    return
                try:
                    self._renew()
                except DatabaseError:
                    logger.warning("%s: could not renew a lease; retrying", self._thread.name, exc_info=True)
                    connection.close()
        finally:
            connection.close()


def renew_running(task_pk: int, attempt: int) -> int:
    """Extend the lease of the task this worker runs, while this claim still owns it."""
    return Task.objects.filter(pk=task_pk, status=Task.Status.RUNNING, attempts=attempt).update(
        lease_expires_at=timezone.now() + lease_length()
    )


def pusher_renew_limit_s() -> float:
    """How long a claimed task may wait in a cluster's local queue: a worker frees up within one
    task timeout. A task still unclaimed by a worker after that (its worker died between receiving
    and starting it) stops being renewed and falls back to the other workers."""
    return float(Conf.TIMEOUT or 600) + PUSHER_GRACE_S


def renew_claimed_by(identity: str) -> int:
    """Extend the leases of tasks *identity* claimed that no worker has taken over yet."""
    now = timezone.now()
    return Task.objects.filter(
        status=Task.Status.RUNNING,
        claimed_by=identity,
        started_at__gte=now - timedelta(seconds=pusher_renew_limit_s()),
    ).update(lease_expires_at=now + lease_length())


def take_over(task_pk: int, attempt: int, *, runtime_s: float) -> bool:
    """The worker about to run a claimed task makes it its own: a fresh lease and its identity.

    Inside a caller's transaction (tests, the inline runner within ``atomic``) nobody else can see
    the task, so the lease covers the whole runtime instead of being renewed.
    """
    now = timezone.now()
    lease = lease_length() if not connection.in_atomic_block else timedelta(seconds=runtime_s)
    return bool(
        Task.objects.filter(pk=task_pk, status=Task.Status.RUNNING, attempts=attempt).update(
            started_at=now, lease_expires_at=now + lease, claimed_by=worker_identity()
        )
    )


_pusher_keeper: tuple[int, LeaseKeeper] | None = None


def keep_claims_alive() -> None:
    """Start, once per process, the thread renewing this process's claimed-but-waiting tasks."""
    global _pusher_keeper
    pid = os.getpid()
    if _pusher_keeper is not None and _pusher_keeper[0] == pid:
        return
    identity = worker_identity()
    keeper = LeaseKeeper(f"lease-keeper-{identity}", lambda: renew_claimed_by(identity)).start()
    _pusher_keeper = (pid, keeper)
