"""Zero trust in LLM output (docs/LLM.md): parse, validate with jsonschema, retry with feedback.

A reply is accepted only when it parses as JSON and validates against the request's schema. Up to
:data:`MAX_ATTEMPTS` attempts are made; each retry tells the model what was wrong with its last
reply. When all fail, :class:`StructuredOutputError` carries every raw reply and error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from orchestrator.json_schema import schema_errors
from orchestrator.llm import prompts
from orchestrator.llm.backends.base import Backend, Completion, CompletionRequest
from orchestrator.llm.errors import StructuredOutputError

MAX_ATTEMPTS = 3
RAW_REPLY_LIMIT = 2_000  # per reply, in error messages and accounting
_FENCED = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


class InvalidReply(ValueError):
    pass


def parse_reply(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The reply as a dict valid against *schema*, or :class:`InvalidReply` saying what is wrong."""
    candidate = text.strip()
    fenced = _FENCED.match(candidate)
    if fenced:
        candidate = fenced.group(1).strip()
    try:
        value = json.loads(candidate)
    except json.JSONDecodeError as exc:
        # Small models like to wrap the object in prose; accept the outermost {...} if it parses.
        start, end = candidate.find("{"), candidate.rfind("}")
        try:
            value = json.loads(candidate[start : end + 1]) if 0 <= start < end else None
        except json.JSONDecodeError:
            value = None
        if value is None:
            raise InvalidReply(f"the reply is not valid JSON ({exc.msg} at character {exc.pos})") from None
    problems = schema_errors(value, schema)
    if problems:
        raise InvalidReply("the JSON does not match the schema: " + "; ".join(problems[:10]))
    if not isinstance(value, dict):
        raise InvalidReply("the reply must be a JSON object")
    return value


@dataclass
class Attempts:
    """What the retry loop saw, for accounting: one entry per attempt."""

    raw_replies: list[str]
    errors: list[str]
    completions: list[Completion]

    @property
    def count(self) -> int:
        return len(self.completions)


def complete_structured(
    backend: Backend,
    request: CompletionRequest,
    *,
    attempts: Attempts,
    max_attempts: int = MAX_ATTEMPTS,
    on_invalid: Callable[[str], None] = lambda problem: None,
) -> dict[str, Any]:
    """Ask until a reply validates against ``request.schema`` (at most *max_attempts* times)."""
    assert request.schema is not None
    messages = list(request.messages)
    for _ in range(max_attempts):
        completion = backend.complete(replace(request, messages=messages))
        attempts.completions.append(completion)
        try:
            return parse_reply(completion.text, request.schema)
        except InvalidReply as exc:
            problem = str(exc)
            attempts.raw_replies.append(completion.text[:RAW_REPLY_LIMIT])
            attempts.errors.append(problem)
            on_invalid(problem)
            messages = [*request.messages, *prompts.feedback(completion.text[:RAW_REPLY_LIMIT], problem)]
    summary = "\n".join(
        f"attempt {n}: {error}\n  reply: {reply[:300]!r}"
        for n, (error, reply) in enumerate(zip(attempts.errors, attempts.raw_replies, strict=True), 1)
    )
    raise StructuredOutputError(
        f"no valid reply after {max_attempts} attempts:\n{summary}",
        raw_replies=list(attempts.raw_replies),
        errors=list(attempts.errors),
    )
