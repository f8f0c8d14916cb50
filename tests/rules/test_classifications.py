"""Configured classifications: shorthand, defaults, replacement, and the LLM reply schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from integrations.base import ClassificationSpec
from orchestrator.rules.classifications import (
    classification_errors,
    normalise_classifications,
    reply_schema,
)
from tests.rules.platforms import CLASSIFICATIONS, MAIL

SCHEMA = reply_schema(normalise_classifications(CLASSIFICATIONS))


def test_a_bare_prompt_is_shorthand_for_a_confidence() -> None:
    specs = normalise_classifications({"human": "is this personal?"})
    assert specs == {"human": ClassificationSpec("human", "is this personal?", "confidence")}


def test_a_mapping_gives_type_and_values() -> None:
    specs = normalise_classifications(CLASSIFICATIONS)
    assert specs["urgent"].type == "boolean"
    assert specs["kind"] == ClassificationSpec("kind", "What kind?", "enum", ("a", "b", "c"))


def test_nothing_configured_means_the_types_defaults() -> None:
    assert list(normalise_classifications(None, MAIL.default_classifications)) == ["human", "priority"]


def test_a_configured_set_replaces_the_defaults() -> None:
    specs = normalise_classifications({"urgent": "urgent?"}, MAIL.default_classifications)
    assert list(specs) == ["urgent"]


def test_an_explicit_empty_set_asks_nothing() -> None:
    assert normalise_classifications({}, MAIL.default_classifications) == {}


def test_malformed_entries_are_left_out_and_reported() -> None:
    configured = {"ok": "fine?", "bad": {"prompt": "x", "type": "enum"}}
    assert list(normalise_classifications(configured)) == ["ok"]
    assert classification_errors(configured) == ["bad.values: an enum needs a non-empty list of strings"]


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        (["human"], "classifications must be a mapping"),
        ({"a": ""}, "a: the prompt must not be empty"),
        ({"a": 3}, "a: must be a prompt string or a mapping"),
        ({"a": {"prompt": "p", "kind": "x"}}, "a: unknown key(s) kind; valid: prompt, type, values"),
        ({"a": {"type": "boolean"}}, "a.prompt: a non-empty question is required"),
        ({"a": {"prompt": "p", "type": "score"}}, "a.type: 'score' is not one of confidence, boolean, enum"),
        (
            {"a": {"prompt": "p", "type": "enum", "values": ["x", "x"]}},
            "a.values: the values must be distinct",
        ),
        ({"a": {"prompt": "p", "values": ["x"]}}, "a.values: only enum classifications take values"),
    ],
)
def test_classification_errors_name_the_entry(configured: Any, message: str) -> None:
    assert any(message in line for line in classification_errors(configured))


def test_the_reply_schema_accepts_a_well_formed_reply() -> None:
    jsonschema.validate({"interesting": 0.4, "urgent": False, "kind": "b"}, SCHEMA)


@pytest.mark.parametrize(
    "reply",
    [
        {"interesting": 1.5, "urgent": False, "kind": "b"},
        {"interesting": -0.1, "urgent": False, "kind": "b"},
        {"interesting": True, "urgent": False, "kind": "b"},
        {"interesting": 0.4, "urgent": "false", "kind": "b"},
        {"interesting": 0.4, "urgent": False, "kind": "z"},
        {"interesting": 0.4, "urgent": False},
        {"interesting": 0.4, "urgent": False, "kind": "b", "extra": 1},
    ],
)
def test_the_reply_schema_rejects_what_the_llm_must_not_say(reply: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(reply, SCHEMA)


def test_the_reply_schema_spells_out_each_type() -> None:
    assert SCHEMA["required"] == ["interesting", "urgent", "kind"]
    assert SCHEMA["additionalProperties"] is False
    assert SCHEMA["properties"]["interesting"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "description": "Is this item interesting?",
    }
    assert SCHEMA["properties"]["kind"]["enum"] == ["a", "b", "c"]
