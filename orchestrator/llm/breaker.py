"""A circuit breaker per LLM profile: after a few transport failures in a row, stop calling.

Read from the call accounting (``LLMCall``), so every worker process sees the same state and no
extra table is needed: the breaker is *open* when the profile's last :data:`FAILURE_THRESHOLD`
calls all failed in transport (server unreachable, 5xx/429 after retries, timeouts) and the last of
them is less than :data:`COOLDOWN_S` old. Then a classification fails fast with
:class:`LLMCircuitOpen` instead of spending its own retries on a server that is down; it gives its
attempt back, so a long outage never dead-letters a classification — the task waits and runs when
the server answers again. Once the cool-down has passed a call goes through (half-open): success
closes the breaker, another failure opens it for another cool-down. Doctor calls count as well, so
a green ``doctor`` closes it.

A thread whose last call on a profile was answered less than :data:`ANSWERED_RECENTLY_S` ago
skips the read (:func:`breaker_answered`): the server just answered it, so a batch of calls reads
the breaker once, not once per call. Its first failure reads it again.
"""

from __future__ import annotations

import contextvars
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from orchestrator.llm.errors import LLMUnavailable
from orchestrator.models import LLMCall, LLMProfile

FAILURE_THRESHOLD = 3
COOLDOWN_S = 30.0
TRANSPORT_FAILURES = frozenset({LLMCall.Outcome.UNAVAILABLE, LLMCall.Outcome.TIMEOUT})
# A call that never reached the server says nothing about it.
IGNORED_OUTCOMES = frozenset({LLMCall.Outcome.BUSY})
ANSWERED_RECENTLY_S = 5.0

# (profile pk, time.monotonic()) of this thread's (context's) last answered call.
_answered: contextvars.ContextVar[tuple[int, float] | None] = contextvars.ContextVar(
    "steward_llm_answered", default=None
)


class LLMCircuitOpen(LLMUnavailable):
    """The profile's server failed several calls in a row: wait instead of calling it again.

    Not permanent, and it does not count as one of the task's attempts (``counts_as_attempt``),
    so the queue re-queues the task for when the breaker lets a call through again.
    """

    counts_as_attempt = False
    outcome = "unavailable"

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class BreakerState:
    profile: str
    failures: int  # consecutive transport failures, newest first, up to FAILURE_THRESHOLD
    last_failure_at: datetime | None
    last_error: str

    @property
    def tripped(self) -> bool:
        """Enough failures in a row to stop calling (whether or not the cool-down has passed)."""
        return self.failures >= FAILURE_THRESHOLD

    def retry_in_s(self, now: datetime | None = None) -> float:
        """Seconds until a call may go through again (0 when it may now)."""
        if not self.tripped or self.last_failure_at is None:
            return 0.0
        reopen = self.last_failure_at + timedelta(seconds=COOLDOWN_S)
        return max((reopen - (now or timezone.now())).total_seconds(), 0.0)

    @property
    def is_open(self) -> bool:
        return self.retry_in_s() > 0

    @property
    def message(self) -> str:
        return (
            f"LLM profile '{self.profile}' is unreachable ({self.failures} calls in a row failed; last: "
            f"{self.last_error}). Classifications wait and are retried when it answers again; rules that "
            "need no classification run meanwhile. Check it with `manage.py doctor`."
        )


def breaker_state(profile: LLMProfile) -> BreakerState:
    """The breaker of *profile*, from its latest accounted calls.

    A profile that is not stored (``eval_classifier --model``, a doctor probe) has no call history
    and so a closed breaker."""
    if profile.pk is None:
        return BreakerState(profile.name, 0, None, "")
    recent = list(
        LLMCall.objects.filter(profile=profile)
        .exclude(outcome__in=IGNORED_OUTCOMES)
        .order_by("-id")
        .values_list("outcome", "created_at", "error")[:FAILURE_THRESHOLD]
    )
    failures = 0
    for outcome, _, _ in recent:
        if outcome not in TRANSPORT_FAILURES:
            break
        failures += 1
    last_at, last_error = (recent[0][1], recent[0][2]) if failures else (None, "")
    return BreakerState(profile.name, failures, last_at, last_error)


def breaker_answered(profile: LLMProfile) -> None:
    """A call on *profile* was just answered in this thread: its next calls within
    :data:`ANSWERED_RECENTLY_S` may skip reading the breaker."""
    if profile.pk is not None:
        _answered.set((profile.pk, time.monotonic()))


def _answered_recently(profile: LLMProfile) -> bool:
    last = _answered.get()
    return last is not None and last[0] == profile.pk and time.monotonic() - last[1] < ANSWERED_RECENTLY_S


def breaker_admit(profile: LLMProfile) -> None:
    """Raise :class:`LLMCircuitOpen` while *profile*'s breaker is open; return when a call may go
    (without a read when this thread's last call on it was answered just now)."""
    if _answered_recently(profile):
        return
    state = breaker_state(profile)
    wait = state.retry_in_s()
    if wait > 0:
        # Jitter spreads the waiting tasks, so one of them probes the server before the rest.
        raise LLMCircuitOpen(state.message, retry_after_s=wait + random.uniform(0, 5))  # noqa: S311


def breaker_after_failure(profile: LLMProfile, exc: LLMUnavailable) -> LLMUnavailable:
    """The error to raise for a call that failed in transport: :class:`LLMCircuitOpen` when this
    failure tripped the breaker (so the task gives its attempt back), else *exc* itself."""
    _answered.set(None)
    if isinstance(exc, LLMCircuitOpen):
        return exc
    state = breaker_state(profile)
    if not state.tripped:
        return exc
    return LLMCircuitOpen(state.message, retry_after_s=COOLDOWN_S + random.uniform(0, 5))  # noqa: S311
