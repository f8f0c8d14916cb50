"""YAML/JSON text for structured values: what parses, what is refused (with its line), round trips."""

from __future__ import annotations

import pytest

from orchestrator.admin.yaml_text import TextParseError, text_dump, text_parse


def test_yolo_tag_becomes_the_json_spelling_and_is_written_back_as_a_tag():
    text = "- when: {n: 1}\n  then:\n  - archive\n  - !yolo {shout: hi}\n  - !yolo unsubscribe\n"
    value = text_parse(text)
    assert value == [
        {"when": {"n": 1}, "then": ["archive", {"yolo": {"shout": "hi"}}, {"yolo": "unsubscribe"}]}
    ]
    dumped = text_dump(value)
    assert dumped.count("!yolo") == 2
    assert text_parse(dumped) == value


def test_json_is_accepted():
    assert text_parse('{"a": [1, 2]}') == {"a": [1, 2]}


def test_yaml_flow_list_starting_like_json_is_accepted():
    assert text_parse("[archive, {tag: x}]") == ["archive", {"tag": "x"}]


def test_dates_stay_strings():
    assert text_parse("after: 2024-01-01") == {"after": "2024-01-01"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\n  b: 2\n", "invalid YAML at line 2, column 4: mapping values are not allowed"),
        ('{\n"a": 1\n"b": 2}', "invalid JSON at line 3"),
        ("password: !secret x", "line 1"),
        ("blob: !!binary aGk=", "cannot be stored as JSON"),
        ("x: .nan", "cannot be stored as JSON"),
        ("- !yolo [a, b]", "not a list"),
        ("? [a]\n: b\n", "unhashable"),
        ("- when: {n: 1}\n  then: archive\n  then: tag\n", "line 3, column 3: duplicate key 'then'"),
    ],
)
def test_malformed_text_is_refused_naming_where(text, message):
    with pytest.raises(TextParseError, match=message.replace("[", r"\[")):
        text_parse(text)


def test_long_prompts_are_not_folded():
    prompt = "word " * 60
    assert text_dump({"p": prompt.strip()}).count("\n") == 1
