"""A profile's egress policy — ``send_fields`` then ``redact`` — applied to one prompt's content.

``send_fields`` (a list of field names; empty = all) keeps only those fields of an item's
classifier input; ``redact`` then rewrites what is left. Both run on the untrusted content before
it is framed and sent, for every profile (a loopback server is a process too); what was sent and
what was redacted goes to the egress ledger through :func:`~orchestrator.egress.scope.egress_scope`.
A policy that cannot be applied as written refuses the call: nothing is sent half-redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orchestrator.egress.redaction import RedactionError, compile_redactors, redact
from orchestrator.egress.sections import join_sections, split_sections
from orchestrator.llm.errors import LLMConfigError

if TYPE_CHECKING:
    from orchestrator.models import LLMProfile


class EgressRefused(LLMConfigError):
    """The profile's policy cannot be applied; the call is refused (permanent), nothing is sent."""


@dataclass(frozen=True)
class Prepared:
    text: str
    fields: tuple[str, ...]  # ``subject[:23]`` …
    redactions: dict[str, int]


def send_fields_of(profile: LLMProfile) -> list[str]:
    value: Any = profile.send_fields
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise EgressRefused(f"LLM profile {profile.name!r}: send_fields must be a list of field names")
    return value


def prepare_item_input(profile: LLMProfile, text: str) -> Prepared:
    """*text* (an item's classifier input) cut to the profile's ``send_fields`` and redacted."""
    try:
        redactors = compile_redactors(profile.redact)
    except RedactionError as exc:
        raise EgressRefused(f"LLM profile {profile.name!r}: {exc}; nothing was sent") from None
    allowed = send_fields_of(profile)
    sections = split_sections(text)
    if allowed:
        kept = [(name, value) for name, value in sections if name in allowed]
        if not kept:
            present = ", ".join(dict.fromkeys(name for name, _ in sections)) or "none"
            raise EgressRefused(
                f"LLM profile {profile.name!r}: send_fields {allowed} names none of this item's fields "
                f"({present}); nothing was sent"
            )
        sections = kept
    counts: dict[str, int] = {}
    cleaned = []
    for name, value in sections:
        value, found = redact(value, redactors)
        for rule, count in found.items():
            counts[rule] = counts.get(rule, 0) + count
        cleaned.append((name, value))
    fields = tuple(f"{name}[:{len(value)}]" for name, value in cleaned if name != "text")
    # Without send_fields the input goes as it was written, only redacted.
    joined = join_sections(cleaned) if allowed else redact(text, redactors)[0]
    return Prepared(joined, fields, counts)


def prepare_text(profile: LLMProfile, text: str) -> tuple[str, dict[str, int]]:
    """Free text (a chat message): redacted only."""
    try:
        redactors = compile_redactors(profile.redact)
    except RedactionError as exc:
        raise EgressRefused(f"LLM profile {profile.name!r}: {exc}; nothing was sent") from None
    return redact(text, redactors)
