"""Per-call accounting (docs/LLM.md): profile, model, tokens, latency and outcome of every LLM call.

Inside :func:`accounted_together` (a classify batch) the rows of answered calls are kept in a
:class:`CallRows` and saved in one INSERT when its owner calls :meth:`CallRows.save` — a classify
task does so each time it stores answers — instead of one INSERT per call. A failed call is saved
at once, after the kept rows (the circuit breaker reads the newest rows, in order).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


class CallRows:
    """Accounting rows of answered calls, kept to be saved together (shared by a batch's threads)."""

    def __init__(self) -> None:
        self._rows: list[LLMCall] = []
        self._lock = threading.Lock()

    def keep(self, row: LLMCall) -> None:
        with self._lock:
            self._rows.append(row)

    def save(self) -> None:
        """Save what is kept, in one INSERT; a database error is logged, never raised."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            LLMCall.objects.bulk_create(rows)
        except DatabaseError:
            logger.exception("could not record %d LLM calls", len(rows))


_kept: contextvars.ContextVar[CallRows | None] = contextvars.ContextVar("steward_llm_call_rows", default=None)


@contextmanager
def accounted_together(rows: CallRows) -> Iterator[None]:
    """In this thread (context), keep the rows of answered calls in *rows* until it is saved."""
    reset = _kept.set(rows)
    try:
        yield
    finally:
        _kept.reset(reset)


def record_call(record: CallRecord) -> LLMCall | None:
    """Save *record* (or, for an answered call inside :func:`accounted_together`, keep it to be
    saved with the batch's other rows); accounting must never turn a good answer into a failed task."""
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
    row = LLMCall(
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
    kept = _kept.get()
    if kept is not None:
        if record.outcome == LLMCall.Outcome.OK:
            kept.keep(row)
            return row
        kept.save()  # the answered calls before this failure come first
    try:
        row.save()
    except DatabaseError:
        logger.exception("could not record the LLM call of profile %s", record.profile.name)
        return None
    return row
