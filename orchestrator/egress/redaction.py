"""Redaction rules an LLM profile applies to untrusted content before it is sent (docs/LLM.md).

``redact`` is a list of names — ``emails``, ``phone_numbers``, ``urls`` — and custom rules
``{regex: <pattern>, name: <label>}``. Each match becomes ``[redacted <name>]``; counts per rule
go to the egress ledger. :func:`redaction_errors` is the save-time check; :func:`compile_redactors`
refuses (raises) rather than redacting with part of a bad list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BUILT_IN: dict[str, re.Pattern[str]] = {
    "emails": re.compile(
        r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
    ),
    # International or national numbers with separators; a date (2025-01-15) has too few digits per group.
    "phone_numbers": re.compile(
        r"(?<![\w-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}[\s.-]\d{3,4}[\s.-]?\d{3,4}(?![\w-])"
    ),
    "urls": re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE),
}
CUSTOM_KEYS = ("regex", "name")


class RedactionError(ValueError):
    """A ``redact`` list that cannot be applied as written; nothing is sent."""


@dataclass(frozen=True)
class Redactor:
    name: str
    pattern: re.Pattern[str]


def _one(index: int, entry: Any) -> Redactor:
    if isinstance(entry, str):
        if entry not in BUILT_IN:
            raise RedactionError(
                f"redact[{index}]: unknown redaction {entry!r}; use one of {', '.join(BUILT_IN)} "
                "or {regex: <pattern>, name: <label>}"
            )
        return Redactor(entry, BUILT_IN[entry])
    if not isinstance(entry, Mapping) or not isinstance(entry.get("regex"), str):
        raise RedactionError(f"redact[{index}]: write a name ({', '.join(BUILT_IN)}) or {{regex: <pattern>}}")
    unknown = sorted(str(key) for key in entry if key not in CUSTOM_KEYS)
    if unknown:
        raise RedactionError(f"redact[{index}]: unknown key(s) {', '.join(unknown)}; valid: regex, name")
    try:
        pattern = re.compile(entry["regex"])
    except re.error as exc:
        raise RedactionError(f"redact[{index}]: regex {entry['regex']!r} does not compile: {exc}") from None
    if pattern.search(""):
        raise RedactionError(f"redact[{index}]: regex {entry['regex']!r} matches empty text")
    name = entry.get("name") or f"custom_{index + 1}"
    return Redactor(str(name), pattern)


def compile_redactors(value: Any) -> tuple[Redactor, ...]:
    """The rules of a ``redact`` setting, or :class:`RedactionError` naming the first bad entry."""
    if value in (None, ""):
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise RedactionError("redact must be a list, e.g. [emails, phone_numbers, urls]")
    return tuple(_one(index, entry) for index, entry in enumerate(value))


def redaction_errors(value: Any) -> list[str]:
    try:
        compile_redactors(value)
    except RedactionError as exc:
        return [str(exc)]
    return []


def redact(text: str, redactors: Sequence[Redactor]) -> tuple[str, dict[str, int]]:
    """*text* with every match replaced, and how many matches each rule replaced."""
    counts: dict[str, int] = {}
    for redactor in redactors:
        text, count = redactor.pattern.subn(f"[redacted {redactor.name}]", text)
        if count:
            counts[redactor.name] = counts.get(redactor.name, 0) + count
    return text, counts
