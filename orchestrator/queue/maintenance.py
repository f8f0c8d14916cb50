"""Housekeeping done by the default cluster's poll loop: heartbeat, aging, retention."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.utils import timezone

from orchestrator.durations import parse_duration
from orchestrator.models import EgressRecord, QueueSettings, Task, WorkerHeartbeat
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


def prune_finished() -> int:
    """Delete finished tasks older than the retention setting, failed ones included (and egress
    rows as old)."""
    retention = parse_duration(QueueSettings.load().retention or "7d")
    expired = Task.objects.filter(
        status__in=[Task.Status.DONE, Task.Status.FAILED], finished_at__lt=timezone.now() - retention
    )
    deleted = 0
    # In batches, so no single write transaction keeps the workers' claims waiting.
    while batch := list(expired.values_list("pk", flat=True)[:PRUNE_BATCH]):
        Task.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
    WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - timedelta(days=1)).delete()
    prune_egress(retention)
    return deleted


def prune_egress(retention: timedelta) -> int:
    """The egress ledger is kept as long as finished tasks (the same retention setting)."""
    expired = EgressRecord.objects.filter(created_at__lt=timezone.now() - retention)
    deleted = 0
    while batch := list(expired.values_list("pk", flat=True)[:PRUNE_BATCH]):
        EgressRecord.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
    return deleted


def periodic() -> None:
    aged = age_background_tasks(AGE_AFTER)
    pruned = prune_finished()
    if aged or pruned:
        logger.info("queue maintenance: aged %d task(s), pruned %d finished", aged, pruned)
