"""The ``when`` grammar (docs/CONFIG.md), compiled once at save time and evaluated many times.

Every condition compiles to a :class:`Condition`: a key and a small test object. Compilation raises
:class:`RuleSyntaxError` naming what is valid; evaluation (:meth:`Condition.holds`) is total — a
missing key, a ``null`` value or a value of the wrong type simply does not match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from integrations.base import ClassificationSpec
from orchestrator.durations import parse_duration
from orchestrator.rules.errors import RuleSyntaxError
from orchestrator.rules.predicates import (
    Compare,
    Contains,
    DateCompare,
    Equals,
    Matches,
    OneOf,
    Regex,
    Test,
    as_datetime,
    is_number,
)
from orchestrator.rules.provenance import CLASSIFICATION_NAMESPACE

CASE_INSENSITIVE_FIELDS = frozenset({"from_address", "domain", "root_domain"})
_COMPARISON = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(.*?)\s*$", re.DOTALL)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_NOW = re.compile(r"^now\(\)\s*(?:([+-])\s*(.+))?$", re.IGNORECASE)

FIELD_FORMS = (
    "a value (equality), a list (any of them), true/false, a comparison such as '> 500', "
    "'< now()', '< now() - 7d' or '>= 2024-01-31', {contains: x} (list fields), "
    "{matches: '*.example.com'} (glob) or {regex: 'pattern'}"
)
CONFIDENCE_FORMS = "a number (meaning >=) or a comparison such as '>= 0.8', '> .5', '< 0.2', '!= 0'"


def field_value(snapshot: Any, key: str) -> Any:
    """The snapshot value at a (possibly dotted) key, or ``None`` when it is not there."""
    if not isinstance(snapshot, Mapping):
        return None
    if key in snapshot:
        return snapshot[key]
    current: Any = snapshot
    for part in key.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


@dataclass(frozen=True)
class Condition:
    """One ``when`` key and its compiled test; a missing or null value never matches."""

    key: str
    test: Test

    @property
    def classification_name(self) -> str | None:
        space, _, name = self.key.partition(".")
        return name if space == CLASSIFICATION_NAMESPACE else None

    def holds(self, snapshot: Any, classification: Any, now: datetime) -> bool:
        name = self.classification_name
        if name is not None:
            value = classification.get(name) if isinstance(classification, Mapping) else None
        else:
            value = field_value(snapshot, self.key)
        if value is None:
            return False
        try:
            return bool(self.test.holds(value, now))
        except Exception:  # defence in depth: evaluation is total, a test that trips does not match
            return False


def compile_when(
    when: Any, classifications: Mapping[str, ClassificationSpec]
) -> tuple[tuple[Condition, ...], list[str]]:
    """Compile a ``when`` mapping; errors are ``when.<key>: …`` lines (the caller names the rule)."""
    if when is None:
        return (), []
    if not isinstance(when, Mapping):
        return (), ["when: must be a mapping of conditions (or empty to always match)"]
    conditions, errors = [], []
    for key, value in when.items():
        try:
            conditions.append(compile_condition(key, value, classifications))
        except RuleSyntaxError as exc:
            errors.append(f"when.{key}: {exc}")
    return tuple(conditions), errors


def compile_condition(key: Any, value: Any, classifications: Mapping[str, ClassificationSpec]) -> Condition:
    if not isinstance(key, str) or not key or key.startswith(".") or key.endswith("."):
        raise RuleSyntaxError(
            "a condition key is a snapshot field (dotted for nested) or classification.<name>"
        )
    if value is None:
        raise RuleSyntaxError("null never matches; give a value, e.g. false, or remove the condition")
    space, _, name = key.partition(".")
    if space == CLASSIFICATION_NAMESPACE:
        spec = classifications.get(name)
        if spec is None:
            configured = ", ".join(sorted(classifications)) or "none"
            raise RuleSyntaxError(
                f"{name!r} is not a classification configured for this platform; configured: {configured}"
            )
        return Condition(key, classification_test(spec, value))
    return Condition(key, field_test(value, fold_case=key in CASE_INSENSITIVE_FIELDS))


def classification_test(spec: ClassificationSpec, value: Any) -> Test:
    if spec.type == "boolean":
        if not isinstance(value, bool):
            raise RuleSyntaxError(f"{spec.name} is a boolean classification: write true or false")
        return Equals(value)
    if spec.type == "enum":
        options = value if isinstance(value, list) else [value]
        wrong = [option for option in options if option not in spec.values]
        if not options or wrong or not all(isinstance(o, str) for o in options):
            valid = ", ".join(spec.values)
            raise RuleSyntaxError(f"{value!r}: write one of {valid} or a list of them")
        return OneOf(tuple(options))
    return _confidence_test(spec, value)


def _confidence_test(spec: ClassificationSpec, value: Any) -> Test:
    if is_number(value):
        op, threshold = ">=", float(value)
    elif isinstance(value, str) and (found := _COMPARISON.match(value)) and _NUMBER.match(found[2]):
        op, threshold = found[1], float(found[2])
    else:
        raise RuleSyntaxError(f"{value!r} is not valid for a confidence; write {CONFIDENCE_FORMS}")
    if not 0 <= threshold <= 1:
        raise RuleSyntaxError(f"{value!r}: a confidence is between 0 and 1 (write 0.8, not 80)")
    return Compare(op, threshold, bounds=(0.0, 1.0))


def field_test(value: Any, *, fold_case: bool) -> Test:
    if isinstance(value, bool):
        return Equals(value)
    if isinstance(value, int | float):
        if not is_number(value):
            raise RuleSyntaxError(f"{value!r} is not a finite number")
        return Equals(value)
    if isinstance(value, str):
        found = _COMPARISON.match(value)
        return _comparison_test(found[1], found[2]) if found else Equals(value, fold_case)
    if isinstance(value, list):
        if not value or not all(_is_scalar(option) for option in value):
            raise RuleSyntaxError("a list means 'any of' and needs at least one text, number or true/false")
        return OneOf(tuple(value), fold_case)
    if isinstance(value, Mapping):
        return _operator_test(value, fold_case)
    raise RuleSyntaxError(f"{value!r} is not a condition; valid: {FIELD_FORMS}")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool) or is_number(value)


def _comparison_test(op: str, right: str) -> Test:
    if _NUMBER.match(right):
        return Compare(op, float(right))
    relative = _NOW.match(right)
    if relative:
        sign, amount = relative[1], relative[2]
        if sign is None:
            return DateCompare(op, offset=timedelta())
        try:
            offset = parse_duration(amount)
        except ValueError as exc:
            raise RuleSyntaxError(f"'{op} {right}': {exc}") from None
        return DateCompare(op, offset=offset if sign == "+" else -offset)
    moment = as_datetime(right) if right[:1].isdigit() else None
    if moment is not None:
        return DateCompare(op, moment=moment)
    raise RuleSyntaxError(
        f"'{op} {right}': compare with a number, now() (optionally ± a duration such as 7d) or an ISO "
        "date; to match text that starts with a comparison sign use {matches: ...}"
    )


def _operator_test(value: Mapping[str, Any], fold_case: bool) -> Test:
    if len(value) != 1:
        raise RuleSyntaxError(f"an operator mapping has exactly one key; valid: {FIELD_FORMS}")
    [(op, argument)] = value.items()
    if op == "contains":
        if not _is_scalar(argument):
            raise RuleSyntaxError("contains: give one text, number or true/false to look for in the list")
        return Contains(argument, fold_case)
    if op in ("matches", "regex") and not isinstance(argument, str):
        raise RuleSyntaxError(f"{op}: the pattern must be text")
    if op == "matches":
        return Matches(argument)
    if op == "regex":
        try:
            return Regex(re.compile(argument))
        except re.error as exc:
            raise RuleSyntaxError(f"regex {argument!r} does not compile: {exc}") from None
    raise RuleSyntaxError(f"unknown operator {op!r}; valid: contains, matches, regex")
