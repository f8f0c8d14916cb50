"""A Django-Q2 broker that serves our Task table instead of its own queue.

Django-Q2 supplies the worker processes, per-task timeouts, recycling and the scheduler; this
broker hands its pusher one claimed Task at a time (strict priority order at dequeue) and keeps the
worker heartbeat, priority aging and retention pruning going as side duties of the poll loop;
a thread keeps the short leases of claimed tasks alive until a worker takes them over
(orchestrator/queue/lease.py).

One cluster serves every priority and keeps a worker for priorities 1–2 (chat turns, approved
actions): the pusher hands out background work (3–9) only while fewer than ``workers`` −
``STEWARD_Q_RESERVED_WORKERS`` background tasks it handed out are still running, so one worker is
always free of background work and a chat turn never waits behind it. A worker that finishes a task
rings the pusher (:func:`worker_freed`), which then hands out the next background task at once.

Ordering: the pusher claims a task, then blocks until the cluster's local queue (``queue_limit``
slots) has room, so at most ``queue_limit`` + 1 already-claimed tasks start before a newly enqueued
higher-priority one.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.utils import timezone
from django_q.brokers import Broker
from django_q.conf import Conf
from django_q.signals import post_execute_in_worker
from django_q.signing import SignedPackage

from orchestrator import doorbell
from orchestrator.models import Task
from orchestrator.queue import maintenance, query_count
from orchestrator.queue.claim import INTERACTIVE_CLUSTER, INTERACTIVE_PRIORITIES, claim_next, priorities_for
from orchestrator.queue.execution import task_timeout_s
from orchestrator.queue.handlers import UnknownTaskType, resolve
from orchestrator.queue.lease import keep_claims_alive, lease_length
from orchestrator.queue.scheduler_lease import keep_scheduling

logger = logging.getLogger(__name__)

EXECUTE_FUNC = "orchestrator.queue.execution.execute"
HEARTBEAT_EVERY_S = 5.0
MAINTENANCE_EVERY_S = 60.0
DB_RETRY_PAUSE_S = 1.0
STOP_CHECK_S = 0.5  # the longest one dequeue() waits for a ring: Django-Q2 stops between calls


CLUSTER = "default"


def wake_topic(cluster: str = CLUSTER) -> str:
    """The doorbell topic the pusher of *cluster* listens on."""
    return f"queue.{cluster}"


def cluster_for(priority: int) -> str:
    """Which cluster serves *priority*: the one cluster serves all (its reserved worker takes 1–2)."""
    return CLUSTER


def priority_ring(priority: int) -> str:
    """The text of the ring for a task of *priority* queued: ``p6``."""
    return f"p{priority}"


def _background_ring(text: str) -> bool:
    """A ring for queued background work (3–9); an empty or unknown text may be anything."""
    digits = text[1:]
    return text.startswith("p") and digits.isdigit() and int(digits) not in INTERACTIVE_PRIORITIES


def background_slots() -> int:
    """How many workers may run background work (3–9) at once; the rest wait for 1–2."""
    reserved = int(getattr(settings, "STEWARD_Q_RESERVED_WORKERS", 1))
    return max(int(Conf.WORKERS or 1) - reserved, 1)


def worker_freed(sender: object, **kwargs: object) -> None:
    """Django-Q2's ``post_execute_in_worker``: a worker is free, so the pusher may hand out more."""
    doorbell.ring(wake_topic(Conf.CLUSTER_NAME or CLUSTER), "freed")


post_execute_in_worker.connect(worker_freed, dispatch_uid="steward.worker_freed")


class TaskTableBroker(Broker):
    # Class-level defaults: Django-Q2 pickles brokers without these when it does not fork.
    _last_beat = 0.0
    _last_maintenance = 0.0
    _bell: doorbell.Doorbell | None = None
    _next_claim_at = 0.0
    _background: dict[int, int] | None = None  # pk → attempt of background tasks handed out, running
    _full = False  # the last claim found every background slot taken (and no task of priority 1–2)

    # --- producer side: only the scheduler uses it -----------------------------------------------
    def enqueue(self, task: str) -> str:
        """Django-Q2's scheduler fires our schedules through here; run them through enqueue()."""
        package = SignedPackage.loads(task)
        from orchestrator.running.triggers import SCHEDULED_TRIGGER, scheduled_trigger

        if package["func"] != SCHEDULED_TRIGGER:
            logger.error("refusing a Django-Q2 task for %s: only Steward schedules run here", package["func"])
            return str(package["id"])
        task_ids = scheduled_trigger(*package["args"])
        return task_ids[0] if task_ids else str(package["id"])

    # --- consumer side -----------------------------------------------------------------------------
    def dequeue(self) -> list[tuple[str, Any]] | None:
        try:
            self._side_duties()
            keep_claims_alive()  # renews what this pusher claimed until a worker takes it over
            if self.list_key != INTERACTIVE_CLUSTER:
                keep_scheduling(self)  # fires schedules while this machine holds the scheduler lease
            if not self._claim_due():
                return None  # back to the pusher, which checks its stop event, then here again
            task = self._claim()
            query_count.flush()
        except DatabaseError:
            # A dropped PostgreSQL connection or a long SQLite lock: reconnect on the next poll
            # instead of letting the pusher die (Django-Q2 would stall it for 10 s).
            logger.warning("database unavailable while claiming a task; retrying", exc_info=True)
            connection.close()
            time.sleep(DB_RETRY_PAUSE_S)
            return None
        if task is None:
            if self._bell is not None and self._bell.working:
                self._next_claim_at = time.monotonic() + doorbell.safety_poll_s()
            else:
                time.sleep(Conf.POLL)
            return None
        # One claimed: there may be more, look again at once — unless it filled the background
        # slots; then a ring (a freed worker, a chat turn) or the safety poll says when.
        self._next_claim_at = time.monotonic() + doorbell.safety_poll_s() if self._full else 0.0
        try:
            timeout = task_timeout_s(resolve(task.type))
        except UnknownTaskType:
            timeout = 60  # execute() fails it at once with a clear error
        package = {
            "id": task.uid,
            "name": f"{task.type}#{task.pk}",
            "func": EXECUTE_FUNC,
            "args": (task.pk, task.attempts),
            "kwargs": {},
            "timeout": timeout,
            "save": False,  # outcomes live on our Task row; Django-Q2 keeps only its failures
            "started": timezone.now(),
        }
        return [(task.uid, SignedPackage.dumps(package))]

    def _claim(self) -> Task | None:
        """The next task this cluster may start now: any priority while a background slot is free,
        else only 1–2 (for the reserved worker). A cluster named ``interactive`` serves only 1–2."""
        self._full = False
        if self.list_key == INTERACTIVE_CLUSTER or self._background_full():
            task = claim_next(INTERACTIVE_CLUSTER, lease=lease_length())
            self._full = task is None and self.list_key != INTERACTIVE_CLUSTER
            return task
        task = claim_next(None, lease=lease_length())
        if task is not None and task.priority not in INTERACTIVE_PRIORITIES:
            assert self._background is not None
            self._background[task.pk] = task.attempts
            # Did it take the last background slot? Claims go by priority, so no ready task of
            # 1–2 was left behind: then the next look waits for a ring instead of claiming nothing.
            self._full = self._background_full()
        return task

    def _background_full(self) -> bool:
        """Whether the background tasks this pusher handed out fill every background slot.

        Reads the database only when they might: a task is done, failed, back to pending or
        claimed again (another attempt) once it no longer counts.
        """
        if self._background is None:
            self._background = {}
        if len(self._background) < background_slots():
            return False
        running = set(
            Task.objects.filter(pk__in=list(self._background), status=Task.Status.RUNNING).values_list(
                "pk", "attempts"
            )
        )
        self._background = {pk: n for pk, n in self._background.items() if (pk, n) in running}
        return len(self._background) >= background_slots()

    def _claim_due(self) -> bool:
        """Whether to claim now: rung by enqueue (``queue.<cluster>``), or the safety poll is due.

        While every background slot is taken, rings for more background work are ignored (a freed
        worker rings too, and so does queued work of priority 1–2): a claim could start none of
        it, and a busy run queues a task or more per task it runs. Waits at most
        :data:`STOP_CHECK_S` for a ring, so the pusher still sees its stop event at once. The
        doorbell opens lazily, in the pusher process that claims. Without a working one: claim on
        every call and sleep Django-Q2's short poll when empty, as before.
        """
        if self._bell is None:
            self._bell = doorbell.Doorbell(wake_topic(self.list_key))
        bell = self._bell
        if not bell.working:
            bell.heal()
            return True
        now = time.monotonic()
        if now >= self._next_claim_at:
            return True
        rings = bell.wait(min(STOP_CHECK_S, self._next_claim_at - now))
        if rings and not (self._full and all(_background_ring(text) for text in rings)):
            return True
        return time.monotonic() >= self._next_claim_at

    def _side_duties(self) -> None:
        now = time.monotonic()
        if now - self._last_beat >= HEARTBEAT_EVERY_S:
            self._last_beat = now
            maintenance.heartbeat(self.list_key)
        if self.list_key != INTERACTIVE_CLUSTER and now - self._last_maintenance >= MAINTENANCE_EVERY_S:
            self._last_maintenance = now
            maintenance.periodic()

    def acknowledge(self, task_id: str) -> None:
        """Nothing to do: execute() already recorded the outcome on the Task row."""

    def fail(self, task_id: str) -> None:
        """A package that could not be unpacked; its lease expiry will hand it out again."""

    def queue_size(self) -> int:
        return self._served().filter(status=Task.Status.PENDING).count()

    def lock_size(self) -> int:
        return self._served().filter(status=Task.Status.RUNNING).count()

    def _served(self) -> QuerySet[Task]:
        if self.list_key == INTERACTIVE_CLUSTER:
            return Task.objects.filter(priorities_for(INTERACTIVE_CLUSTER))
        return Task.objects.all()

    def ping(self) -> bool:
        return True

    def info(self) -> str:
        return "Steward task table"

    def delete_queue(self) -> None:
        """The Task table outlives clusters; never dropped by Django-Q2."""

    def purge_queue(self) -> None:
        """Purging belongs to retention, not to Django-Q2."""
