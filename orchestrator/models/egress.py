"""The egress ledger: one row per outbound request that carried a person's data (docs/SECURITY.md).

A row says *what kind* of data left and *where to* — the fields by name, their sizes, the byte
counts and how much was redacted — never the content itself.
"""

from __future__ import annotations

from django.db import models


class EgressRecord(models.Model):
    """One request that left this process for another host: an LLM call, a GitHub write, a POST."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    item = models.ForeignKey(
        "orchestrator.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="egress"
    )
    integration_id = models.CharField(max_length=200, blank=True, help_text="e.g. email.personal")
    llm_profile = models.CharField(max_length=64, blank=True, help_text="for LLM calls")
    destination = models.CharField(max_length=255, help_text="host (and port when not the default)")
    method = models.CharField(max_length=8, default="POST")
    purpose = models.CharField(max_length=64, help_text="classify, chat, web_research, comment, …")
    fields = models.JSONField(
        default=list, blank=True, help_text="what was sent, by name: subject, body[:5000]"
    )
    bytes_sent = models.PositiveIntegerField(default=0)
    bytes_received = models.PositiveIntegerField(default=0)
    status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="HTTP status; empty if none")
    redactions = models.JSONField(default=dict, blank=True, help_text="redaction name → count")
    local = models.BooleanField(default=False, help_text="the destination is loopback or a private network")

    class Meta:
        verbose_name = "egress record"
        ordering = ["-id"]
        indexes = [models.Index(fields=["destination", "created_at"], name="egress_destination_time")]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.destination}"
