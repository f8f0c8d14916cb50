"""``enqueue()``: the one door into the queue.

Every producer — manual triggers, schedules, pipeline stages, automations, chat — comes through
here, so queue policies apply to all of them alike. Dedup is atomic: a unique partial index on
``(type, dedup_key)`` for pending rows means two racing enqueues of the same task yield one row,
and both callers get its id.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Case, F, When
from django.utils import timezone

from orchestrator.queue.policies import policy_for

if TYPE_CHECKING:
    from orchestrator.models import Run, Task

logger = logging.getLogger(__name__)


def dedup_key(task_type: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps([task_type, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _rate_limited_start(task_type: str, max_count: int, per: Any, now: datetime) -> datetime | None:
    """The earliest start that keeps at most *max_count* starts of *task_type* in any window *per*."""
    from orchestrator.models import Task

    starts = sorted(
        Task.objects.filter(type=task_type)
        .annotate(start=Case(When(not_before__isnull=False, then=F("not_before")), default=F("created_at")))
        .filter(start__gt=now - per)
        .values_list("start", flat=True)
    )
    if len(starts) < max_count:
        return None
    return max(starts[-max_count] + per, now)


def enqueue(
    task_type: str,
    payload: dict[str, Any] | None = None,
    *,
    priority: int = 5,
    run: Run | None = None,
    not_before: datetime | None = None,
    max_attempts: int | None = None,
) -> Task:
    """Queue a task (or return the identical one already pending). Lower priority runs first.

    ``run`` links the task to a pipeline Run; it is run metadata and not part of the dedup key.
    The returned task's ``uid`` is the public task id.
    """
    from orchestrator.models import Task
    from orchestrator.queue.handlers import resolve

    if not 1 <= priority <= 9:
        raise ValueError(f"priority must be 1..9, not {priority}")
    payload = payload or {}
    policy = policy_for(task_type)
    key = dedup_key(task_type, payload) if policy.deduplicate_pending else ""
    if max_attempts is None:
        max_attempts = resolve(task_type).max_attempts
    with transaction.atomic():
        if key:
            existing = Task.objects.filter(type=task_type, dedup_key=key, status=Task.Status.PENDING).first()
            if existing is not None:
                return existing
        if policy.rate_limit_max and policy.rate_limit_per:
            start = _rate_limited_start(task_type, policy.rate_limit_max, policy.rate_limit_per, timezone.now())
            if start is not None and (not_before is None or start > not_before):
                logger.info("rate limit of %s: deferred to %s", task_type, start.isoformat())
                not_before = start
        try:
            with transaction.atomic():
                return Task.objects.create(
                    type=task_type,
                    payload=payload,
                    dedup_key=key,
                    priority=priority,
                    effective_priority=priority,
                    run=run,
                    not_before=not_before,
                    max_attempts=max_attempts,
                )
        except IntegrityError:
            if not key:
                raise
            # Lost a race with an identical enqueue: theirs is the task.
            return Task.objects.get(type=task_type, dedup_key=key, status=Task.Status.PENDING)
