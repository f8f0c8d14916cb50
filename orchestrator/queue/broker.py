"""A Django-Q2 broker that serves our Task table instead of its own queue.

Django-Q2 supplies the worker processes, per-task timeouts, recycling and the scheduler; this
broker hands its pusher one claimed Task at a time (strict priority order at dequeue) and keeps the
worker heartbeat, priority aging and retention pruning going as side duties of the poll loop.

Each cluster serves its own priorities: ``interactive`` takes 1–2 (chat turns, approved actions),
``default`` takes the rest, so a chat turn never waits behind background work.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.db import OperationalError, close_old_connections
from django.utils import timezone
from django_q.brokers import Broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

from orchestrator.queue import maintenance
from orchestrator.queue.claim import claim_next
from orchestrator.queue.handlers import UnknownTaskType, resolve

logger = logging.getLogger(__name__)

EXECUTE_FUNC = "orchestrator.queue.execution.execute"
HEARTBEAT_EVERY_S = 5.0
MAINTENANCE_EVERY_S = 60.0


class TaskTableBroker(Broker):
    def __init__(self, list_key: str | None = None):
        super().__init__(list_key=list_key)
        self._last_beat = 0.0
        self._last_maintenance = 0.0

    # --- producer side: only the scheduler uses it -----------------------------------------------
    def enqueue(self, task: str) -> str:
        """Django-Q2's scheduler fires our schedules through here; run them through enqueue()."""
        package = SignedPackage.loads(task)
        from orchestrator.triggers import SCHEDULED_TRIGGER, scheduled_trigger

        if package["func"] != SCHEDULED_TRIGGER:
            logger.error("refusing a Django-Q2 task for %s: only Steward schedules run here", package["func"])
            return str(package["id"])
        task_ids = scheduled_trigger(*package["args"])
        return task_ids[0] if task_ids else str(package["id"])

    # --- consumer side -----------------------------------------------------------------------------
    def dequeue(self) -> list[tuple[str, Any]] | None:
        try:
            self._side_duties()
            task = claim_next(self.list_key, lease=timedelta(seconds=Conf.RETRY))
        except OperationalError:
            logger.warning("database unavailable while claiming a task; retrying", exc_info=True)
            close_old_connections()
            time.sleep(1)
            return None
        if task is None:
            time.sleep(Conf.POLL)
            return None
        try:
            timeout = resolve(task.type).max_runtime_s
        except UnknownTaskType:
            timeout = 60  # execute() fails it with a clear error
        package = {
            "id": task.uid,
            "name": f"{task.type}#{task.pk}",
            "func": EXECUTE_FUNC,
            "args": (task.pk, task.attempts),
            "kwargs": {},
            "timeout": timeout,
            "save": False,
            "started": timezone.now(),
        }
        return [(task.uid, SignedPackage.dumps(package))]

    def _side_duties(self) -> None:
        now = time.monotonic()
        if now - self._last_beat >= HEARTBEAT_EVERY_S:
            self._last_beat = now
            maintenance.heartbeat(self.list_key)
        if self.list_key != "interactive" and now - self._last_maintenance >= MAINTENANCE_EVERY_S:
            self._last_maintenance = now
            maintenance.periodic()

    def acknowledge(self, task_id: str) -> None:
        """Nothing to do: execute() already recorded the outcome on the Task row."""

    def fail(self, task_id: str) -> None:
        """A package that could not be unpacked; its lease expiry will hand it out again."""

    def queue_size(self) -> int:
        from orchestrator.models import Task

        return Task.objects.filter(status=Task.Status.PENDING).count()

    def lock_size(self) -> int:
        from orchestrator.models import Task

        return Task.objects.filter(status=Task.Status.RUNNING).count()

    def ping(self) -> bool:
        return True

    def info(self) -> str:
        return "Steward task table"

    def delete_queue(self) -> None:
        """The Task table outlives clusters; never dropped by Django-Q2."""

    def purge_queue(self) -> None:
        """Purging belongs to retention, not to Django-Q2."""
