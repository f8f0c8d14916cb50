"""Per-call accounting (docs/LLM.md): profile, model, tokens, latency and outcome of every LLM call."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import DatabaseError

from orchestrator.models import LLMCall, LLMProfile

logger = logging.getLogger(__name__)


@dataclass
class CallRecord:
    """What one ``classify``/``chat`` call did; filled in as the call goes, saved once at the end."""

    profile: LLMProfile
    purpose: str
    priority: int
    backend: str = ""
    model: str = ""
    structured_mode: str = ""
    attempts: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    outcome: str = LLMCall.Outcome.OK
    error: str = ""
    raw_replies: list[dict[str, str]] = field(default_factory=list)

    def add_tokens(self, prompt: int | None, completion: int | None) -> None:
        if prompt is not None:
            self.prompt_tokens = (self.prompt_tokens or 0) + prompt
        if completion is not None:
            self.completion_tokens = (self.completion_tokens or 0) + completion


def record_call(record: CallRecord) -> LLMCall | None:
    """Save *record*; accounting must never turn a good answer into a failed task."""
    # Metadata only at INFO: prompts and replies carry personal content.
    logger.info(
        "llm %s profile=%s model=%s mode=%s attempts=%d tokens=%s/%s latency=%.2fs outcome=%s",
        record.purpose,
        record.profile.name,
        record.model,
        record.structured_mode or "-",
        record.attempts,
        record.prompt_tokens,
        record.completion_tokens,
        record.latency_s,
        record.outcome,
    )
    try:
        return LLMCall.objects.create(
            profile=record.profile if record.profile.pk else None,
            profile_name=record.profile.name,
            backend=record.backend[:200],
            model=record.model[:500],
            purpose=record.purpose,
            priority=record.priority,
            structured_mode=record.structured_mode,
            attempts=record.attempts,
            prompt_tokens=record.prompt_tokens,
            completion_tokens=record.completion_tokens,
            latency_ms=round(record.latency_s * 1000),
            outcome=record.outcome,
            error=record.error,
            raw_replies=record.raw_replies,
        )
    except DatabaseError:
        logger.exception("could not record the LLM call of profile %s", record.profile.name)
        return None
