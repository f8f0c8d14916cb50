"""Approvals: an irreversible action waiting for a person (from `on_blocked: ask` or a chat proposal)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

APPROVAL_TTL = timedelta(hours=24)  # an unanswered approval expires after this


class Approval(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        EXPIRED = "expired"
        FAILED = "failed"

    class Source(models.TextChoices):
        AUTOMATION = "automation"
        CHAT = "chat"

    source = models.CharField(max_length=16, choices=Source.choices)
    action = models.CharField(max_length=300, help_text="Platform action or service instance id")
    parameters = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)
    provenance = models.CharField(max_length=16, help_text="Provenance of what asked for it")
    integration_id = models.CharField(max_length=200, blank=True)
    item = models.ForeignKey("orchestrator.Item", null=True, blank=True, on_delete=models.SET_NULL)
    rule = models.CharField(max_length=300, blank=True)
    options = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    conversation_id = models.CharField(max_length=32, blank=True, db_index=True)
    action_record = models.ForeignKey(
        "orchestrator.ActionRecord", null=True, blank=True, on_delete=models.SET_NULL
    )
    task = models.ForeignKey("orchestrator.Task", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="approval_status_recent")]  # the inbox

    def __str__(self) -> str:
        return f"{self.action} [{self.status}]"

    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()
