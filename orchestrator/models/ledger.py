"""The action ledger (docs/SAFETY.md): every platform action, script and service run, before and after."""

from __future__ import annotations

from django.db import models


class ActionRecord(models.Model):
    class Status(models.TextChoices):
        STARTED = "started"
        DONE = "done"
        BLOCKED = "blocked"
        FAILED = "failed"
        PENDING_APPROVAL = "pending_approval"
        UNDONE = "undone"
        SHADOW = "shadow"  # a shadow automation's would-be action: never executed, never done

    # sha256 of (item, rule, action, rendered parameters): a done key never runs again.
    ledger_key = models.CharField(max_length=64, unique=True)
    item = models.ForeignKey("orchestrator.Item", null=True, blank=True, on_delete=models.SET_NULL)
    integration_id = models.CharField(max_length=200, db_index=True)
    rule = models.CharField(max_length=300, blank=True, help_text="Rule label, or 'chat'/'approval'")
    action = models.CharField(max_length=200)
    parameters = models.JSONField(null=True, blank=True)
    provenance = models.CharField(max_length=16)
    yolo = models.BooleanField(default=False)
    tier = models.CharField(max_length=20)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STARTED)
    summary = models.TextField(blank=True)
    error = models.TextField(blank=True)
    undo = models.JSONField(null=True, blank=True, help_text="What undo needs (e.g. folder and new UID)")
    rule_key = models.CharField(
        max_length=64, blank=True, default="", help_text="Digest of the automation's definition"
    )
    # What the person was seen doing to the item afterwards (shadow agreement, manual reversals).
    observed = models.JSONField(null=True, blank=True)
    task = models.ForeignKey("orchestrator.Task", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [  # the UI's "items with this action" filter and ledger listing by status
            models.Index(fields=["item", "action"], name="action_item_action"),
            models.Index(fields=["status", "-id"], name="action_status_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.action} [{self.status}]"
