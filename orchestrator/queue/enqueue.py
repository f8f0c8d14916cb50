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
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, When
from django.utils import timezone

from orchestrator.queue.policies import Policy, policy_for

if TYPE_CHECKING:
    from orchestrator.models import Run, Task

logger = logging.getLogger(__name__)
DEDUP_RACE_RETRIES = 5


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
    payload: Mapping[str, Any] | None = None,
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
    from orchestrator.queue.handlers import resolve

    if not 1 <= priority <= 9:
        raise ValueError(f"priority must be 1..9, not {priority}")
    payload = dict(payload or {})
    policy = policy_for(task_type)
    key = dedup_key(task_type, payload) if policy.deduplicate_pending else ""
    if max_attempts is None:
        max_attempts = resolve(task_type).max_attempts
    fields = {
        "type": task_type,
        "payload": payload,
        "dedup_key": key,
        "priority": priority,
        "effective_priority": priority,
        "run": run,
        "not_before": not_before,
        "max_attempts": max_attempts,
    }
    for _ in range(DEDUP_RACE_RETRIES):
        task = _enqueue_once(fields, policy)
        if task is not None:
            _wake_claimer(task)
            return task
    raise RuntimeError(f"could not enqueue {task_type}: its identical pending twin kept changing state")


def _wake_claimer(task: Task) -> None:
    """Ring the pusher of the task's cluster once it is committed, unless it may not start yet."""
    from orchestrator.doorbell import ring_on_commit
    from orchestrator.queue.broker import cluster_for, priority_ring, wake_topic

    if task.not_before is None or task.not_before <= timezone.now():
        # The text says the priority, so a pusher whose background slots are full ignores it.
        ring_on_commit(wake_topic(cluster_for(task.priority)), priority_ring(task.priority))


def _enqueue_once(fields: dict[str, Any], policy: Policy) -> Task | None:
    """One attempt; None when an identical task appeared and left ``pending`` in between (retry)."""
    from orchestrator.models import Task

    task_type, key = fields["type"], fields["dedup_key"]
    with transaction.atomic():
        if key:
            existing = _pending_twin(task_type, key)
            if existing is not None:
                return existing
        if policy.rate_limit_max and policy.rate_limit_per:
            _serialize_per_type(task_type)
            start = _rate_limited_start(
                task_type, policy.rate_limit_max, policy.rate_limit_per, timezone.now()
            )
            if start is not None and (fields["not_before"] is None or start > fields["not_before"]):
                logger.info("rate limit of %s: deferred to %s", task_type, start.isoformat())
                fields = {**fields, "not_before": start}
        if connection.vendor == "sqlite":
            # One writer at a time (BEGIN IMMEDIATE): the pending check above saw every twin, so no
            # race to catch, and no savepoint (two more statements per enqueue) around the insert.
            return Task.objects.create(**fields)
        try:
            with transaction.atomic():
                return Task.objects.create(**fields)
        except IntegrityError:
            if not key:
                raise
        # Lost a race with an identical enqueue (PostgreSQL): theirs is the task, if still pending.
        return Task.objects.filter(type=task_type, dedup_key=key, status=Task.Status.PENDING).first()


def _pending_twin(task_type: str, key: str) -> Task | None:
    """The pending task with this dedup key, if any (at most one: the unique partial index).

    Probed with one plain indexed SELECT of its id: building the ORM query cost more than running
    it, on every enqueue, and a twin is the rare case.
    """
    from orchestrator.models import Task

    table = connection.ops.quote_name(Task._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE type = %s AND dedup_key = %s AND status = %s LIMIT 1",  # noqa: S608
            [task_type, key, Task.Status.PENDING.value],
        )
        row = cursor.fetchone()
    return Task.objects.filter(pk=row[0]).first() if row else None


def _serialize_per_type(task_type: str) -> None:
    """On PostgreSQL, make concurrent rate-limited enqueues of one type count the window in turn.

    SQLite needs nothing: its IMMEDIATE transactions already run one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    lock_id = int.from_bytes(hashlib.sha256(task_type.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
