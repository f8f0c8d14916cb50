"""Claiming the next task atomically, by (effective priority, id).

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` lets many workers on many machines claim without
blocking each other. SQLite: ``select_for_update`` is a no-op there, but the IMMEDIATE transaction
holds the database write lock from BEGIN, so select-then-update is just as atomic.

An attempt is counted when a task is claimed, so a task whose worker dies mid-run (kill -9, OOM, a
native crash) is claimed again once its lease expires, and dead-lettered after ``max_attempts``.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orchestrator.models import Task

INTERACTIVE_PRIORITIES = (1, 2)
CLAIM_SCAN = 20  # dead tasks found in one pass are settled; then the next live one is taken


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def priorities_for(cluster: str) -> Q:
    if cluster == "interactive":
        return Q(priority__in=INTERACTIVE_PRIORITIES)
    return ~Q(priority__in=INTERACTIVE_PRIORITIES)


def died_message(attempts: int) -> str:
    return f"worker died during execution ({attempts} times)"


def claim_next(cluster: str, lease: timedelta) -> Task | None:
    """Claim the most urgent ready task for *cluster*, or return None when there is none."""
    now = timezone.now()
    ready = Q(status=Task.Status.PENDING) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
    abandoned = Q(status=Task.Status.RUNNING, lease_expires_at__lt=now)
    candidates = (
        Task.objects.filter(priorities_for(cluster))
        .filter(ready | abandoned)
        .order_by("effective_priority", "id")
    )
    with transaction.atomic():
        for task in candidates.select_for_update(skip_locked=True)[:CLAIM_SCAN]:
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
    from django.db.models import F

    return Task.objects.filter(
        status=Task.Status.PENDING, effective_priority__gt=5, created_at__lt=cutoff
    ).update(effective_priority=F("effective_priority") - 1)
