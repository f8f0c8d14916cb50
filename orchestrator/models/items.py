"""Items: the things a platform watches (an email, a pull request), as last seen."""

from __future__ import annotations

from django.db import models


class Item(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        SYNCED = "synced"  # gone from the source (e.g. moved out of INBOX)

    integration_id = models.CharField(max_length=200)
    platform = models.CharField(max_length=64)
    key = models.CharField(max_length=500, help_text="The source's stable key (e.g. Message-ID)")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    fields = models.JSONField(default=dict, blank=True, help_text="Cheap fields seen at check")
    snapshot = models.JSONField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    llm_input = models.TextField(blank=True)
    low_trust = models.BooleanField(default=False)
    classification = models.JSONField(null=True, blank=True)
    classified_by = models.JSONField(null=True, blank=True)
    # Evaluate picks up items classified since they were last evaluated, in batches.
    classified_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["integration_id", "platform", "key"], name="item_per_source")
        ]
        indexes = [
            models.Index(fields=["integration_id", "platform", "status"], name="item_source_status"),
            # The UI's recent items, overall and per platform.
            models.Index(fields=["-last_seen", "-id"], name="item_recent"),
            models.Index(fields=["integration_id", "platform", "-last_seen"], name="item_source_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.integration_id}/{self.platform}/{self.key}"
