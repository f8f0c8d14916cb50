"""Claiming the next task atomically, by (effective priority, id).

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` lets many workers on many machines claim without
blocking each other. SQLite: ``select_for_update`` is a no-op there, but the IMMEDIATE transaction
holds the database write lock from BEGIN, so select-then-update is just as atomic.

An attempt is counted when a task is claimed, so a task whose worker dies mid-run (kill -9, OOM, a
native crash) is claimed again once its short lease expires (orchestrator/queue/lease.py: no
heartbeat renews it any more), and dead-lettered after ``max_attempts``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from orchestrator.models import Task
from orchestrator.queue.lease import worker_identity

INTERACTIVE_CLUSTER = "interactive"
INTERACTIVE_PRIORITIES = (1, 2)
CLAIM_SCAN = 20  # dead tasks settled in one claim before giving up until the next poll


def priorities_for(cluster: str) -> Q:
    """The interactive cluster serves priorities 1–2; every other cluster serves the rest."""
    if cluster == INTERACTIVE_CLUSTER:
        return Q(priority__in=INTERACTIVE_PRIORITIES)
    return ~Q(priority__in=INTERACTIVE_PRIORITIES)


def died_message(attempts: int) -> str:
    return f"worker died during execution ({attempts} times)"


def _first_locked(candidates: QuerySet[Task]) -> Task | None:
    # One row at a time: locking a batch would make concurrent claimers skip past all of it.
    return candidates.order_by("effective_priority", "id").select_for_update(skip_locked=True).first()


def _next_candidate(cluster: str | None, now: datetime, scope: Q | None) -> Task | None:
    """The most urgent pending-and-ready task, or an abandoned running task that ranks before it.

    Two index-ordered queries instead of one OR: each walks ``(status, effective_priority, id)``.
    """
    mine = Task.objects.all()
    if cluster is not None:
        mine = mine.filter(priorities_for(cluster))
    if scope is not None:
        mine = mine.filter(scope)
    ready = mine.filter(status=Task.Status.PENDING).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    pending = _first_locked(ready)
    abandoned = mine.filter(status=Task.Status.RUNNING, lease_expires_at__lt=now)
    if pending is not None:
        abandoned = abandoned.filter(
            Q(effective_priority__lt=pending.effective_priority)
            | Q(effective_priority=pending.effective_priority, id__lt=pending.pk)
        )
    return _first_locked(abandoned) or pending


def claim_next(cluster: str | None, lease: timedelta, *, scope: Q | None = None) -> Task | None:
    """Claim the most urgent ready task for *cluster*, or return None when there is none.

    ``cluster=None`` claims from every priority; ``scope`` narrows the candidates further (the
    inline runner claims only the tasks of its own runs).

    A running task whose lease expired lost its worker: it is claimed again, or — once it has been
    claimed ``max_attempts`` times — moved to the dead letter and the next candidate is tried.
    """
    for _ in range(CLAIM_SCAN):
        with transaction.atomic():
            now = timezone.now()  # read inside the transaction: BEGIN IMMEDIATE may have waited
            task = _next_candidate(cluster, now, scope)
            if task is None:
                return None
            if task.status == Task.Status.RUNNING and task.attempts >= task.max_attempts:
                task.status = Task.Status.FAILED
                task.error = died_message(task.attempts)
                task.finished_at = now
                task.lease_expires_at = None
                task.save(update_fields=["status", "error", "finished_at", "lease_expires_at"])
                continue
            task.status = Task.Status.RUNNING
            task.attempts += 1
            task.started_at = now
            task.lease_expires_at = now + lease
            task.claimed_by = worker_identity()
            task.save(update_fields=["status", "attempts", "started_at", "lease_expires_at", "claimed_by"])
            return task
    return None


def age_background_tasks(older_than: timedelta) -> int:
    """Move long-waiting low-priority work one step up (never above 5), so 9 cannot starve."""
    cutoff = timezone.now() - older_than
    return Task.objects.filter(
        status=Task.Status.PENDING, effective_priority__gt=5, created_at__lt=cutoff
    ).update(effective_priority=F("effective_priority") - 1)


def tasks_hand_back(claimed_by: list[str]) -> int:
    """Return the running tasks of stopped workers to the queue at once (not after their lease).

    The attempt they were on is not counted: a shutdown is not the task's failure. Stage tasks are
    idempotent (a classify that already stored its answer skips), so running one again is safe.
    """
    handed = 0
    with transaction.atomic():
        for task in Task.objects.select_for_update().filter(
            status=Task.Status.RUNNING, claimed_by__in=claimed_by
        ):
            task.status = Task.Status.PENDING
            task.attempts = max(task.attempts - 1, 0)
            task.lease_expires_at = None
            task.claimed_by = ""
            task.save(update_fields=["status", "attempts", "lease_expires_at", "claimed_by"])
            handed += 1
    return handed
