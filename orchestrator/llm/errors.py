"""What can go wrong with an LLM call, shaped for the queue.

Every error carries ``permanent`` (and optionally ``retry_after_s``), which
``orchestrator.queue.execution`` honours: permanent errors fail the task at once with this message,
others re-queue it with a ``not_before``.
"""

from __future__ import annotations


class LLMError(Exception):
    """Base class; permanent unless a subclass says otherwise."""

    permanent: bool = True
    retry_after_s: float | None = None
    outcome: str = "error"


class LLMConfigError(LLMError):
    """The profile cannot work as configured (unknown profile, missing GGUF, bad backend path)."""


class UnknownProfile(LLMConfigError):
    pass


class LLMRejected(LLMError):
    """The server refused the request with a 4xx other than 429: retrying would not help."""

    outcome = "rejected"

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class LLMUnavailable(LLMError):
    """Connection errors, 429 or 5xx that outlasted the bounded retries: try again later."""

    permanent = False
    outcome = "unavailable"


class LLMTimeout(LLMUnavailable):
    """The per-request timeout or the total-time cap (3 × timeout_s + 30 s) ran out."""

    outcome = "timeout"


class LLMBusy(LLMError):
    """No slot on the profile within a few seconds: re-queue instead of holding a worker.

    ``counts_as_attempt`` is False: the task never reached the model, so a queue that honours the
    attribute should not spend one of the task's attempts on it.
    """

    permanent = False
    counts_as_attempt = False
    outcome = "busy"

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StructuredOutputError(LLMError):
    """Every attempt returned invalid JSON or JSON that does not match the schema.

    ``raw_replies`` and ``errors`` hold one entry per attempt, in order.
    """

    outcome = "invalid"

    def __init__(self, message: str, *, raw_replies: list[str], errors: list[str]) -> None:
        super().__init__(message)
        self.raw_replies = raw_replies
        self.errors = errors
