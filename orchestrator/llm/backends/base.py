"""The LLM backend contract: one small interface behind which every model server sits.

A backend is a class taking the :class:`~orchestrator.models.LLMProfile` and answering
:meth:`Backend.complete` for one request. Backends are chosen by dotted path
(:func:`orchestrator.llm.backends.get_backend`), so tests and users can plug in their own.

A backend that can read the model's next-token probabilities may also implement the optional
:class:`ScoringBackend` capability (``score``): classification then asks for the probability of
each allowed answer instead of generating JSON (see :func:`supports_scoring`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

if TYPE_CHECKING:
    from orchestrator.models import LLMProfile

Message = dict[str, str]

# Keys a profile's ``parameters`` may never override: they carry the prompt and the output contract.
PROTECTED_KEYS = frozenset({"model", "messages", "stream", "response_format", "grammar"})


@dataclass(frozen=True)
class CompletionRequest:
    """One request to the model.

    ``schema`` set means the reply must be a JSON object matching it; how that is asked for is the
    backend's business (grammar, ``response_format``, or the schema in the prompt). ``deadline`` is
    a ``time.monotonic()`` instant by which the backend must have returned or raised
    :class:`~orchestrator.llm.errors.LLMTimeout`; a single request never waits longer than
    ``timeout_s`` either.
    """

    messages: list[Message]
    timeout_s: float
    deadline: float
    schema: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)  # temperature, max_tokens, seed …

    def time_left(self) -> float:
        return self.deadline - time.monotonic()


@dataclass(frozen=True)
class Completion:
    """The model's reply: its text (JSON text when a schema was given) and what it cost."""

    text: str
    model: str
    mode: str  # how the output was constrained: grammar, json_schema, json_object, prompt, text
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class Backend(Protocol):
    """What every LLM backend implements.

    ``__init__(profile)`` must be cheap and must not load models or open connections: backends are
    built per call, and the embedded one must not load before Django-Q2 forks its workers.

    ``complete(request)`` sends one request and returns the raw reply text. It does not validate
    the reply against ``request.schema`` (the caller does, and retries with feedback), but it must:

    - honour ``request.timeout_s`` per request and ``request.deadline`` overall;
    - merge ``profile.parameters`` into the request without overriding :data:`PROTECTED_KEYS`;
    - raise only :mod:`orchestrator.llm.errors` exceptions: ``LLMRejected`` for a refusal that a
      retry would not fix, ``LLMUnavailable``/``LLMTimeout`` for transient trouble (after its own
      bounded retries), ``LLMConfigError`` for a profile that cannot work.
    """

    profile: LLMProfile

    def __init__(self, profile: LLMProfile) -> None: ...

    def complete(self, request: CompletionRequest) -> Completion: ...

    def describe(self) -> str:
        """Short human description for doctor and accounting (e.g. the model path or URL)."""
        ...


@dataclass(frozen=True)
class ScoreQuestion:
    """One question to score: the full conversation that asks it, and the answers allowed.

    Questions about one item share their leading messages (the framed item) and differ only at the
    end, so a backend can evaluate that shared prefix once and each question costs its own tokens.
    """

    name: str
    messages: list[Message]
    options: tuple[str, ...]


@dataclass(frozen=True)
class ScoreRequest:
    """Score every question of one item; ``timeout_s``/``deadline`` as in :class:`CompletionRequest`."""

    questions: list[ScoreQuestion]
    timeout_s: float
    deadline: float

    def time_left(self) -> float:
        return self.deadline - time.monotonic()


@dataclass(frozen=True)
class Scores:
    """Per question name, the probability of each allowed answer (they sum to 1)."""

    probabilities: dict[str, dict[str, float]]
    model: str
    prompt_tokens: int | None = None


class ScoringBackend(Backend, Protocol):
    """The optional capability of a backend that sees the model's next-token probabilities.

    ``score(request)`` returns, for every question, a probability for each of its ``options``
    (normalised over the options: the model's preference among the allowed answers, not free text)
    after one forward pass per question over that question's own tokens, the shared prefix of the
    questions of one request being evaluated once. The same rules as ``complete`` apply: honour the
    deadline, raise only :mod:`orchestrator.llm.errors` exceptions. Backends without it (the
    OpenAI-compatible one) answer classifications through ``complete`` and a JSON schema.
    """

    def score(self, request: ScoreRequest) -> Scores: ...


def supports_scoring(backend: Backend) -> TypeGuard[ScoringBackend]:
    """True when *backend* implements :class:`ScoringBackend`."""
    return callable(getattr(backend, "score", None))


def merged_options(parameters: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """*defaults* overlaid with the profile's parameters, minus the keys nobody may override."""
    merged = dict(defaults)
    if isinstance(parameters, dict):
        merged.update({k: v for k, v in parameters.items() if k not in PROTECTED_KEYS})
    return merged
