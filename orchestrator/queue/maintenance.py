"""Housekeeping done by the default cluster's poll loop: heartbeat, aging, retention of tasks and of
the bookkeeping around them (LLM calls, Django-Q2 rows, heartbeats, leases)."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from orchestrator.durations import parse_duration
from orchestrator.models import EgressRecord, LLMCall, QueueSettings, ServiceLease, Task, WorkerHeartbeat
from orchestrator.queue.claim import age_background_tasks

logger = logging.getLogger(__name__)
AGE_AFTER = timedelta(minutes=10)
PRUNE_BATCH = 500


def heartbeat(cluster: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        host=socket.gethostname(), pid=os.getpid(), defaults={"cluster": cluster, "last_seen": timezone.now()}
    )


def live_workers(within_s: int = 60) -> list[WorkerHeartbeat]:
    cutoff = timezone.now() - timedelta(seconds=within_s)
    return list(WorkerHeartbeat.objects.filter(last_seen__gte=cutoff))


def _delete_in_batches(expired: QuerySet[Any]) -> int:
    # In batches, so no single write transaction keeps the workers' claims waiting.
    deleted = 0
    while batch := list(expired.values_list("pk", flat=True)[:PRUNE_BATCH]):
        expired.model.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
    return deleted


def prune_finished() -> int:
    """Delete what the task retention setting no longer keeps; returns how many tasks went.

    Finished tasks (failed ones included), the LLM call log, the egress ledger, Django-Q2's own
    task rows (it records only failures: ``save_limit``), heartbeats of processes gone for a day
    and service leases lapsed for a day — so a database polled every minute for months stays bounded.
    """
    now = timezone.now()
    cutoff = now - parse_duration(QueueSettings.load().retention or "7d")
    deleted = _delete_in_batches(
        Task.objects.filter(status__in=[Task.Status.DONE, Task.Status.FAILED], finished_at__lt=cutoff)
    )
    _delete_in_batches(LLMCall.objects.filter(created_at__lt=cutoff))
    _delete_in_batches(EgressRecord.objects.filter(created_at__lt=cutoff))
    from django_q.models import Task as DjangoQTask

    _delete_in_batches(DjangoQTask.objects.filter(stopped__lt=cutoff))
    WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(days=1)).delete()
    ServiceLease.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return deleted


def settle_unfinished_runs() -> int:
    """Close runs whose tasks have all ended but that nobody settled (the settling write was lost
    to a dropped database connection or a killed worker); returns how many were closed."""
    from orchestrator.models import Run
    from orchestrator.running.runs import run_settle

    open_states = [Task.Status.PENDING, Task.Status.RUNNING]
    unsettled = Run.objects.filter(finished_at__isnull=True).exclude(tasks__status__in=open_states)
    settled = 0
    for run_id in unsettled.values_list("pk", flat=True).distinct()[:PRUNE_BATCH]:
        run = run_settle(run_id)
        settled += run is not None and run.finished_at is not None
    return settled


def periodic() -> None:
    settled = settle_unfinished_runs()
    if settled:
        logger.warning("queue maintenance: settled %d run(s) left open by a lost write", settled)
    aged = age_background_tasks(AGE_AFTER)
    pruned = prune_finished()
    if aged or pruned:
        logger.info("queue maintenance: aged %d task(s), pruned %d finished", aged, pruned)
