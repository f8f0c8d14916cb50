"""One LLM call end to end: profile → slot → backend → validation → accounting (docs/LLM.md)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from orchestrator.audit import audit
from orchestrator.egress.policy import EgressRefused, prepare_item_input, prepare_text
from orchestrator.egress.scope import current_scope, egress_scope
from orchestrator.llm import answers, concurrency, prompts, wording
from orchestrator.llm.accounting import CallRecord, record_call
from orchestrator.llm.backends import get_backend
from orchestrator.llm.backends.base import (
    Completion,
    CompletionRequest,
    Message,
    ScoreRequest,
    ScoringBackend,
    supports_scoring,
)
from orchestrator.llm.breaker import breaker_admit, breaker_after_failure, breaker_answered
from orchestrator.llm.errors import LLMError, LLMUnavailable, StructuredOutputError, UnknownProfile
from orchestrator.llm.framing import Framed, frame
from orchestrator.llm.structured import Attempts, complete_structured
from orchestrator.models import LLMCall, LLMProfile

logger = logging.getLogger(__name__)

CLASSIFY_OPTIONS: dict[str, Any] = {"temperature": 0, "seed": 42, "max_tokens": 256}
CHAT_OPTIONS: dict[str, Any] = {"max_tokens": 1024}
ITEM_INPUT_LIMIT = 12_000  # a prepared llm_input: headers plus a body already cut to its own limit


def total_cap_s(profile: LLMProfile) -> float:
    """The most one call may take, validation retries and backoff included."""
    return 3 * profile.timeout_s + 30


def slot_hold_s(profile: LLMProfile, cap_s: float | None = None) -> float:
    """How long a call's concurrency slot is leased for (the call's cap and a margin)."""
    return min(total_cap_s(profile), cap_s or float("inf")) + 30


def resolve_profile(profile: LLMProfile | str) -> LLMProfile:
    if isinstance(profile, LLMProfile):
        return profile
    found = LLMProfile.objects.filter(name=profile).first()
    if found is None:
        names = ", ".join(LLMProfile.objects.values_list("name", flat=True)) or "none configured"
        raise UnknownProfile(f"Unknown LLM profile {profile!r}; valid: {names}")
    return found


def as_framed(framed_input: Framed | Mapping[str, str] | str) -> Framed:
    """External content inside fresh salted markers, whatever form the caller holds it in."""
    if isinstance(framed_input, Framed):
        return framed_input
    if isinstance(framed_input, Mapping):
        return frame(framed_input)
    return frame({"item": str(framed_input)}, limits={"item": ITEM_INPUT_LIMIT})


def classify(
    profile: LLMProfile | str,
    framed_input: Framed | Mapping[str, str] | str,
    schema: dict[str, Any],
    *,
    priority: int = 6,
) -> dict[str, Any]:
    """Classify external content: a dict valid against *schema*, or an :class:`LLMError`.

    *framed_input* is a :class:`Framed` from :func:`~orchestrator.llm.framing.frame`, a mapping of
    field name → text, or one text (e.g. an item's prepared ``llm_input``); the latter two are framed
    here. The questions are the schema properties' ``description``. While the profile's circuit
    breaker is open (:mod:`orchestrator.llm.breaker`) it fails fast with ``LLMCircuitOpen``.

    A backend that scores answers (the embedded one) gets one scored question per property when
    the schema allows it (:mod:`orchestrator.llm.answers`); the result is then a
    :class:`~orchestrator.llm.answers.ScoredValues` that also says how sure the model was.
    """
    resolved = resolve_profile(profile)
    fields: tuple[str, ...] = ()
    redactions: dict[str, int] = {}
    if isinstance(framed_input, str):  # an item's prepared input: the profile's egress policy applies
        try:
            prepared = prepare_item_input(resolved, framed_input)
        except EgressRefused as exc:
            where = current_scope().integration_id
            audit(f"Refused an LLM call: {exc}", level="warning", integration_id=where, action="llm.classify")
            raise
        framed_input, fields, redactions = prepared.text, prepared.fields, prepared.redactions
    breaker_admit(resolved)  # a server that keeps failing is not called again until it cools down
    if answers.scorable(schema):
        backend = get_backend(resolved)
        if supports_scoring(backend):
            return classify_scored(resolved, backend, _item_text(framed_input), schema, priority=priority)
    messages = prompts.classification_messages(as_framed(framed_input), schema)
    try:
        with egress_scope(fields=fields, redactions=redactions):
            result = run_call(
                resolved,
                messages,
                schema=schema,
                priority=priority,
                purpose="classify",
                options=CLASSIFY_OPTIONS,
            )
    except LLMUnavailable as exc:
        raise breaker_after_failure(resolved, exc) from exc
    breaker_answered(resolved)
    assert isinstance(result, dict)
    return result


def _item_text(framed_input: Framed | Mapping[str, str] | str) -> str:
    if isinstance(framed_input, Framed):
        return framed_input.text
    if isinstance(framed_input, Mapping):
        return "\n".join(f"{k}: {v}" for k, v in framed_input.items())
    return str(framed_input)


def classify_scored(
    profile: LLMProfile, backend: ScoringBackend, item_text: str, schema: dict[str, Any], *, priority: int
) -> answers.ScoredValues:
    """Answer every question of *schema* about one item: those its wording decides by rule
    (:mod:`orchestrator.llm.wording`), the rest scored and calibrated as one accounted call."""
    decided = wording.wording_answers(schema, item_text)
    rest = {name: prop for name, prop in schema["properties"].items() if name not in decided}
    scored = (
        _score_item(
            profile, backend, item_text, {**schema, "properties": rest, "required": list(rest)}, priority
        )
        if rest
        else answers.ScoredValues({}, {})
    )
    values = {name: decided[name].value if name in decided else scored[name] for name in schema["properties"]}
    how = {name: {"by": "rule", "rule": found.rule} for name, found in decided.items()}
    return answers.ScoredValues(values, {**scored.answers, **how})


def _score_item(
    profile: LLMProfile, backend: ScoringBackend, item_text: str, schema: dict[str, Any], priority: int
) -> answers.ScoredValues:
    record = CallRecord(profile=profile, purpose="classify", priority=priority)
    record.backend, record.model, record.structured_mode = profile.backend, profile.model, "scores"
    started = time.monotonic()
    try:
        # An unsaved profile (eval_classifier's built-in default) has no lease rows to take turns on.
        guard: AbstractContextManager[None] = (
            concurrency.slot(profile, priority=priority, hold_s=slot_hold_s(profile))
            if profile.pk
            else nullcontext()
        )
        with guard:
            started = time.monotonic()
            deadline = started + total_cap_s(profile)
            calibration = answers.missing_baselines(profile.name, schema)
            if calibration:  # once per process and question: what the model says about nothing
                measured = backend.score(ScoreRequest(calibration, float(profile.timeout_s), deadline))
                answers.remember_baselines(profile.name, calibration, measured.probabilities)
            asked = answers.questions(answers.score_input(item_text), schema)
            scores = backend.score(ScoreRequest(asked, float(profile.timeout_s), deadline))
        record.attempts = 1
        record.model = scores.model or record.model
        record.add_tokens(scores.prompt_tokens, 0)
        # The decision points were measured for the bundled model; a GGUF of one's own gets none.
        decide_at = (
            answers.DEFAULT_MODEL_DECIDE_AT if profile.backend == "embedded" and not profile.model else None
        )
        return answers.values_from_scores(
            profile.name, schema, asked, scores.probabilities, decide_at=decide_at
        )
    except Exception as exc:
        _note_failure(record, exc)
        raise
    finally:
        record.latency_s = time.monotonic() - started
        record_call(record)


def chat(
    profile: LLMProfile | str,
    messages: list[Message],
    *,
    priority: int = 1,
    schema: dict[str, Any] | None = None,
) -> str | dict[str, Any]:
    """A chat reply: plain text, or with *schema* a dict valid against it.

    A :class:`StructuredOutputError` keeps the model's raw replies (``raw_replies``), so a caller
    can still show plain text from a model that ignores the schema.
    """
    resolved = resolve_profile(profile)
    redacted: list[Message] = []
    redactions: dict[str, int] = {}
    for message in messages:
        content = message.get("content")
        if message.get("role") != "system" and isinstance(content, str):
            content, found = prepare_text(resolved, content)
            for name, count in found.items():
                redactions[name] = redactions.get(name, 0) + count
            message = {**message, "content": content}
        redacted.append(message)
    chars = sum(len(str(m.get("content") or "")) for m in redacted if m.get("role") != "system")
    with egress_scope(fields=(f"messages[:{chars}]",), redactions=redactions):
        return run_call(
            resolved,
            redacted,
            schema=schema,
            priority=priority,
            purpose="chat",
            options=CHAT_OPTIONS,
        )


def _note_failure(record: CallRecord, exc: Exception) -> None:
    """A failed call's outcome: an :class:`LLMError`'s own (with the raw replies of a structured
    call that never matched its schema), or ``error`` naming any other exception."""
    if not isinstance(exc, LLMError):
        record.outcome, record.error = LLMCall.Outcome.ERROR, f"{type(exc).__name__}: {exc}"
        return
    record.outcome, record.error = exc.outcome, str(exc)
    if isinstance(exc, StructuredOutputError):
        record.raw_replies = [
            {"reply": reply, "error": error} for reply, error in zip(exc.raw_replies, exc.errors, strict=True)
        ]


def _fill(record: CallRecord, completions: list[Completion]) -> None:
    record.attempts = len(completions)
    for completion in completions:
        record.add_tokens(completion.prompt_tokens, completion.completion_tokens)
    if completions:
        record.model = completions[-1].model or record.model
        record.structured_mode = completions[-1].mode


def run_call(
    profile: LLMProfile,
    messages: list[Message],
    *,
    schema: dict[str, Any] | None,
    priority: int,
    purpose: str,
    options: dict[str, Any],
    use_slot: bool = True,
    slot_wait_s: float = concurrency.SLOT_WAIT_S,
    cap_s: float | None = None,
    record: CallRecord | None = None,
) -> str | dict[str, Any]:
    """Run one call under the profile's concurrency limit and total-time cap, and account for it.

    *cap_s* shortens the total-time cap (doctor); *record* lets the caller read what was accounted.
    """
    record = record or CallRecord(profile=profile, purpose=purpose, priority=priority)
    record.backend, record.model = profile.backend, profile.model
    attempts = Attempts(raw_replies=[], errors=[], completions=[])
    started = time.monotonic()
    # Prompts carry personal content: DEBUG only.
    logger.debug("llm %s prompt for profile %s: %r", purpose, profile.name, messages)
    scope = egress_scope(purpose=purpose, llm_profile=profile.name, carries_data=purpose != "doctor")
    try:
        backend = get_backend(profile)
        cap = min(total_cap_s(profile), cap_s or float("inf"))
        guard: AbstractContextManager[None] = (
            concurrency.slot(
                profile, priority=priority, hold_s=slot_hold_s(profile, cap_s), wait_s=slot_wait_s
            )
            if use_slot
            else nullcontext()
        )
        with guard, scope:
            started = time.monotonic()  # latency is model time, not time spent waiting for a slot
            request = CompletionRequest(
                messages=messages,
                timeout_s=float(profile.timeout_s),
                deadline=started + cap,
                schema=schema,
                options=dict(options),
            )
            if schema is None:
                completion = backend.complete(request)
                attempts.completions.append(completion)
                return completion.text
            return complete_structured(backend, request, attempts=attempts)
    except Exception as exc:
        _note_failure(record, exc)
        raise
    finally:
        record.latency_s = time.monotonic() - started
        _fill(record, attempts.completions)
        record_call(record)
