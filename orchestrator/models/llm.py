"""LLM bookkeeping: one accounting row per call, and the leases that cap concurrency per profile."""

from __future__ import annotations

from django.db import models


class LLMCall(models.Model):
    """One ``classify``/``chat`` call: who asked which model, what it cost and how it ended (§8)."""

    class Outcome(models.TextChoices):
        OK = "ok"
        INVALID = "invalid", "invalid reply (after retries)"
        REJECTED = "rejected", "rejected by the server (4xx)"
        UNAVAILABLE = "unavailable", "server unavailable"
        TIMEOUT = "timeout"
        BUSY = "busy", "no free slot (re-queued)"
        ERROR = "error"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    profile = models.ForeignKey(
        "orchestrator.LLMProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    profile_name = models.CharField(max_length=64)  # kept when the profile is deleted
    backend = models.CharField(max_length=200)
    model = models.CharField(max_length=500, blank=True)
    purpose = models.CharField(max_length=32, help_text="classify, chat or doctor")
    priority = models.PositiveSmallIntegerField(default=5)
    structured_mode = models.CharField(max_length=16, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error = models.TextField(blank=True)
    # Only for failed structured calls: what the model said and why each reply was refused.
    raw_replies = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "LLM call"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.profile_name} {self.purpose} {self.outcome}"


class LLMLease(models.Model):
    """A slot held (or waited for) on an LLM profile, shared by every worker process.

    A ``holding`` row is a running call; a ``waiting`` row announces a caller so slots go to the
    best priority first. Rows expire, and rows of a dead process on this host are reclaimed at once.
    """

    class State(models.TextChoices):
        WAITING = "waiting"
        HOLDING = "holding"

    profile = models.ForeignKey("orchestrator.LLMProfile", on_delete=models.CASCADE, related_name="leases")
    token = models.CharField(max_length=32, unique=True)
    state = models.CharField(max_length=8, choices=State.choices)
    priority = models.PositiveSmallIntegerField()
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "LLM lease"
        indexes = [models.Index(fields=["profile", "state"], name="llm_lease_profile_state")]

    def __str__(self) -> str:
        return f"{self.state} p{self.priority} {self.host}:{self.pid}"
