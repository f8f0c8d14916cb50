"""The audit log ("human log"): append-only, hash-chained entries plus a one-row head record."""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    class Level(models.TextChoices):
        INFO = "info"
        WARNING = "warning"

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    message = models.TextField()
    integration_id = models.CharField(max_length=200, blank=True)
    item_key = models.CharField(max_length=500, blank=True)
    action = models.CharField(max_length=200, blank=True)
    provenance = models.CharField(max_length=16, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.message[:60]}"


class AuditHead(models.Model):
    """The last seq and hash, so deleting entries from the tail is detected too."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = "audit head"

    def __str__(self) -> str:
        return f"audit head at #{self.last_seq}"
