"""The queue's single source of truth (docs/ARCHITECTURE.md): every unit of background work is a Task row."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


def new_task_uid() -> str:
    return uuid.uuid4().hex


class Task(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    # The integer pk orders FIFO within a priority; the public id is an opaque hex string.
    uid = models.CharField(max_length=32, unique=True, default=new_task_uid, editable=False)
    type = models.CharField(max_length=200, db_index=True)
    payload = models.JSONField(default=dict)
    dedup_key = models.CharField(max_length=64, blank=True, help_text="Empty: not deduplicated")
    priority = models.PositiveSmallIntegerField(default=5)
    # Starts equal to priority; background work ages towards 5 so priority 9 never starves.
    effective_priority = models.PositiveSmallIntegerField(default=5)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    not_before = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    run = models.ForeignKey(
        "orchestrator.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "effective_priority", "id"], name="task_claim_order"),
            models.Index(fields=["status", "finished_at"], name="task_retention"),
        ]
        constraints = [
            # Atomic dedup: at most one identical pending task (SQLite and PostgreSQL both enforce it).
            models.UniqueConstraint(
                fields=["type", "dedup_key"],
                condition=Q(status="pending") & ~Q(dedup_key=""),
                name="task_pending_dedup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} [{self.uid[:8]}] {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class WorkerHeartbeat(models.Model):
    """Last sign of life of each cluster's pusher, so commands can tell whether a worker runs."""

    cluster = models.CharField(max_length=64)
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "pid"], name="heartbeat_per_process")]

    def __str__(self) -> str:
        return f"{self.cluster}@{self.host}:{self.pid}"


class ServiceLease(models.Model):
    """A duty exactly one process across all machines performs (the scheduler), held by renewal.

    The holder renews ``expires_at`` while it lives; once it lapses any other process may take it.
    """

    name = models.CharField(max_length=64, unique=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%H:%M:%S}"
