"""A Run aggregates one pipeline pass of one platform, started by its entry task."""

from __future__ import annotations

from django.db import models


class Run(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    integration_id = models.CharField(max_length=200, db_index=True)
    platform = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seen = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    classified = models.PositiveIntegerField(default=0)
    actions_done = models.PositiveIntegerField(default=0)
    actions_blocked = models.PositiveIntegerField(default=0)
    actions_failed = models.PositiveIntegerField(default=0)
    items_failed = models.PositiveIntegerField(
        default=0, help_text="Items a source could not read this run (the others went on)"
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        # The dashboard's last run of each platform.
        indexes = [models.Index(fields=["integration_id", "platform", "-id"], name="run_platform_latest")]

    def __str__(self) -> str:
        return f"{self.integration_id}/{self.platform} #{self.pk} {self.status}"

    COUNTERS = (
        "seen", "new", "classified", "actions_done", "actions_blocked", "actions_failed", "items_failed",
    )  # fmt: skip
