"""Every condition form (docs/CONFIG.md), as a table: (key, condition, snapshot, classification) → match?"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from integrations.base import ClassificationSpec
from orchestrator.rules.conditions import compile_condition, compile_when
from orchestrator.rules.errors import RuleSyntaxError
from tests.rules.platforms import NOW

SPECS = {
    "human": ClassificationSpec("human", "Human?"),
    "urgent": ClassificationSpec("urgent", "Urgent?", "boolean"),
    "priority": ClassificationSpec("priority", "Priority?", "enum", ("low", "high", "critical")),
}
NAN = float("nan")

# (key, condition, snapshot, classification, expected)
CASES: list[tuple[str, Any, dict[str, Any], Any, bool]] = [
    # confidence: a bare number means >=
    ("classification.human", 0.8, {}, {"human": 0.8}, True),
    ("classification.human", 0.8, {}, {"human": 0.79}, False),
    ("classification.human", 1, {}, {"human": 1}, True),
    # confidence: comparison strings
    ("classification.human", ">= 0.8", {}, {"human": 0.8}, True),
    ("classification.human", "> .5", {}, {"human": 0.5}, False),
    ("classification.human", "> .5", {}, {"human": 0.51}, True),
    ("classification.human", "< 0.2", {}, {"human": 0.1}, True),
    ("classification.human", "< 0.2", {}, {"human": 0.2}, False),
    ("classification.human", "<= 1", {}, {"human": 1.0}, True),
    ("classification.human", "== 0.5", {}, {"human": 0.5}, True),
    ("classification.human", "!= 0", {}, {"human": 0}, False),
    ("classification.human", "!= 0", {}, {"human": 0.3}, True),
    # confidence: booleans never count as numbers; invalid values never match
    ("classification.human", "> .5", {}, {"human": True}, False),
    ("classification.human", 0, {}, {"human": False}, False),
    ("classification.human", "< 0.2", {}, {"human": -3}, False),
    ("classification.human", "> .5", {}, {"human": 1.5}, False),
    ("classification.human", "!= 0", {}, {"human": NAN}, False),
    ("classification.human", "> .5", {}, {"human": "0.9"}, False),
    ("classification.human", "!= 0", {}, {"human": None}, False),
    ("classification.human", "!= 0", {}, {}, False),
    ("classification.human", "!= 0", {}, None, False),
    # boolean: strict identity
    ("classification.urgent", True, {}, {"urgent": True}, True),
    ("classification.urgent", True, {}, {"urgent": 1}, False),
    ("classification.urgent", True, {}, {"urgent": "true"}, False),
    ("classification.urgent", False, {}, {"urgent": False}, True),
    ("classification.urgent", False, {}, {"urgent": 0}, False),
    ("classification.urgent", False, {}, {"urgent": None}, False),
    # enum: equality or membership
    ("classification.priority", "high", {}, {"priority": "high"}, True),
    ("classification.priority", "high", {}, {"priority": "HIGH"}, False),
    ("classification.priority", ["high", "critical"], {}, {"priority": "critical"}, True),
    ("classification.priority", ["high", "critical"], {}, {"priority": "low"}, False),
    ("classification.priority", ["high"], {}, {"priority": ["high"]}, False),
    # a classification is never read from the snapshot
    ("classification.urgent", True, {"classification": {"urgent": True}}, {}, False),
    # deterministic equality (case-sensitive in general)
    ("subject", "Hello", {"subject": "Hello"}, {}, True),
    ("subject", "Hello", {"subject": "hello"}, {}, False),
    # ...but case-insensitive for from_address, domain, root_domain
    ("from_address", "boss@example.com", {"from_address": "Boss@Example.COM"}, {}, True),
    ("domain", "Mail.Example.com", {"domain": "mail.example.com"}, {}, True),
    ("root_domain", "example.com", {"root_domain": "EXAMPLE.com"}, {}, True),
    ("domain", ["a.com", "b.com"], {"domain": "B.com"}, {}, True),
    # numbers: equality without JSON coercions
    ("n", 1, {"n": 1}, {}, True),
    ("n", 1, {"n": 1.0}, {}, True),
    ("n", 1, {"n": True}, {}, False),
    ("n", 1, {"n": "1"}, {}, False),
    ("n", 10**400, {"n": 10**400}, {}, True),
    ("additions", "> 500", {"additions": 10**400}, {}, True),
    # list membership
    ("n", [1, 2], {"n": 2}, {}, True),
    ("n", [1, 2], {"n": 3}, {}, False),
    # booleans by identity
    ("is_noreply", True, {"is_noreply": True}, {}, True),
    ("is_noreply", True, {"is_noreply": 1}, {}, False),
    ("is_read", False, {"is_read": False}, {}, True),
    ("is_read", False, {"is_read": None}, {}, False),
    # dotted keys for nested fields
    ("authentication.dkim_pass", True, {"authentication": {"dkim_pass": True}}, {}, True),
    ("authentication.dkim_pass", True, {"authentication": {"dkim_pass": False}}, {}, False),
    ("authentication.dkim_pass", True, {"authentication": None}, {}, False),
    ("authentication.dkim_pass", True, {"authentication": "yes"}, {}, False),
    ("authentication.dkim_pass", True, {}, {}, False),
    # numeric comparisons
    ("additions", "> 500", {"additions": 501}, {}, True),
    ("additions", "> 500", {"additions": 500}, {}, False),
    ("additions", "< 50", {"additions": 10}, {}, True),
    ("additions", "> 500", {"additions": "900"}, {}, False),
    ("additions", "!= 5", {}, {}, False),
    # contains on list fields
    ("labels", {"contains": "bug"}, {"labels": ["docs", "bug"]}, {}, True),
    ("labels", {"contains": "bug"}, {"labels": ["Bug"]}, {}, False),
    ("labels", {"contains": "bug"}, {"labels": "bug"}, {}, False),
    ("tags", {"contains": "odd"}, {"tags": ["odd"]}, {}, True),
    # dates against now() (NOW is 2025-01-15 12:00 UTC), with offsets; ISO strings in snapshots
    ("calendar.end", "< now()", {"calendar": {"end": "2025-01-15T11:00:00+00:00"}}, {}, True),
    ("calendar.end", "< now()", {"calendar": {"end": "2025-01-15T13:00:00Z"}}, {}, False),
    ("calendar.end", "< now()", {"calendar": {"end": "2025-01-15T13:00:00+02:00"}}, {}, True),
    ("calendar.end", "< now()", {"calendar": {"end": "2025-01-15T11:00:00"}}, {}, True),
    ("received_at", "< now() - 7d", {"received_at": "2025-01-07T00:00:00Z"}, {}, True),
    ("received_at", "< now() - 7d", {"received_at": "2025-01-09T00:00:00Z"}, {}, False),
    ("received_at", "> now() + 1h", {"received_at": "2025-01-15T13:30:00Z"}, {}, True),
    ("received_at", ">= 2025-01-01", {"received_at": "2025-01-02T00:00:00Z"}, {}, True),
    ("received_at", "< now()", {"received_at": "yesterday"}, {}, False),
    ("received_at", "< now()", {"received_at": 1700000000}, {}, False),
    # glob: fnmatch, case-insensitive
    ("subject", {"matches": "*invoice*"}, {"subject": "Your INVOICE #3"}, {}, True),
    ("domain", {"matches": "*.example.com"}, {"domain": "example.com"}, {}, False),
    ("subject", {"matches": "*invoice*"}, {"subject": ["invoice"]}, {}, False),
    # regex: re.search
    ("subject", {"regex": r"^Re:\s"}, {"subject": "Re: lunch"}, {}, True),
    ("subject", {"regex": r"^Re:\s"}, {"subject": "re: lunch"}, {}, False),
    ("subject", {"regex": r"(?i)order \d+"}, {"subject": "Your ORDER 123 shipped"}, {}, True),
    # a missing key or a null value never matches
    ("list_id", "x", {}, {}, False),
    ("list_id", "x", {"list_id": None}, {}, False),
]


@pytest.mark.parametrize(("key", "condition", "snapshot", "classification", "expected"), CASES)
def test_condition_form(key: str, condition: Any, snapshot: Any, classification: Any, expected: bool) -> None:
    compiled = compile_condition(key, condition, SPECS)
    assert compiled.holds(snapshot, classification, NOW) is expected


def test_a_flat_dotted_snapshot_key_is_read_as_is() -> None:
    compiled = compile_condition("calendar.method", "REQUEST", SPECS)
    assert compiled.holds({"calendar.method": "REQUEST"}, {}, NOW)


def test_every_key_of_a_when_must_hold() -> None:
    conditions, errors = compile_when({"n": 1, "classification.urgent": True}, SPECS)
    assert errors == []
    assert all(c.holds({"n": 1}, {"urgent": True}, NOW) for c in conditions)
    assert not all(c.holds({"n": 1}, {"urgent": False}, NOW) for c in conditions)


def test_a_missing_when_compiles_to_no_conditions() -> None:
    assert compile_when(None, SPECS) == ((), [])


def test_now_moves_date_comparisons() -> None:
    compiled = compile_condition("received_at", "< now() - 7d", SPECS)
    snapshot = {"received_at": "2025-01-09T00:00:00Z"}
    assert not compiled.holds(snapshot, {}, NOW)
    assert compiled.holds(snapshot, {}, datetime.fromisoformat("2025-01-20T00:00:00+00:00"))


# (key, condition, a fragment of the error that says what is valid)
INVALID: list[tuple[Any, Any, str]] = [
    ("classification.unknown", 0.5, "configured: human, priority, urgent"),
    ("classification", 0.5, "not a classification configured"),
    ("classification.human", "big", "write a number (meaning >=)"),
    ("classification.human", True, "not valid for a confidence"),
    ("classification.human", 80, "between 0 and 1"),
    ("classification.human", "> 1.5", "between 0 and 1"),
    ("classification.human", [0.5], "not valid for a confidence"),
    ("classification.urgent", "yes", "write true or false"),
    ("classification.urgent", 1, "write true or false"),
    ("classification.priority", "urgent", "write one of low, high, critical"),
    ("classification.priority", [], "write one of"),
    ("classification.priority", ["low", 3], "write one of"),
    ("subject", None, "null never matches"),
    ("subject", [], "needs at least one"),
    ("subject", [["nested"]], "needs at least one"),
    ("subject", float("inf"), "not a finite number"),
    ("labels", {"contains": ["bug"]}, "contains: give one"),
    ("subject", {"matches": 3}, "must be text"),
    ("subject", {"regex": "(unclosed"}, "does not compile"),
    ("subject", {"startswith": "x"}, "valid: contains, matches, regex"),
    ("subject", {"matches": "a", "regex": "b"}, "exactly one key"),
    ("additions", "> lots", "compare with a number, now()"),
    ("received_at", "< now() - 7 days", "is not a duration"),
    ("", 1, "a condition key is"),
    ("calendar.", 1, "a condition key is"),
]


@pytest.mark.parametrize(("key", "condition", "message"), INVALID)
def test_invalid_condition_is_rejected_with_what_is_valid(key: Any, condition: Any, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        compile_condition(key, condition, SPECS)
    assert message in str(caught.value)


def test_when_errors_name_the_key() -> None:
    _, errors = compile_when({"subject": {"regex": "("}, "n": 1}, SPECS)
    assert len(errors) == 1
    assert errors[0].startswith("when.subject: regex '(' does not compile")


def test_a_when_that_is_not_a_mapping_is_rejected() -> None:
    _, errors = compile_when(["n"], SPECS)
    assert errors == ["when: must be a mapping of conditions (or empty to always match)"]
