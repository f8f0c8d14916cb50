"""The config YAML dialect: `!secret`, `!yolo`, duplicate keys, errors with line numbers, stable dumps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.config_io.yaml_format import ConfigFormatError, SecretRef, Yolo, dump_yaml, load_yaml
from tests.hypothesis_profiles import examples


def test_secret_tag_loads_as_a_reference():
    assert load_yaml("token: !secret openai_token") == {"token": SecretRef("openai_token")}


def test_yolo_wraps_a_scalar_action():
    assert load_yaml("then: !yolo archive") == {"then": {"yolo": "archive"}}


def test_yolo_wraps_a_mapping_action():
    text = "then:\n  - !yolo\n    service:\n      call: gemini.default.web_research\n"
    assert load_yaml(text) == {"then": [{"yolo": {"service": {"call": "gemini.default.web_research"}}}]}


def test_yolo_refuses_a_list():
    with pytest.raises(ConfigFormatError, match=r"line 1, column 7: !yolo wraps one action"):
        load_yaml("then: !yolo [archive]")


def test_secret_needs_a_key():
    with pytest.raises(ConfigFormatError, match=r"!secret takes the name of a key"):
        load_yaml("token: !secret")


def test_duplicate_keys_are_refused_with_their_line():
    with pytest.raises(ConfigFormatError, match=r"config.yaml, line 3, column 1: duplicate key 'llms'"):
        load_yaml("llms: {}\nscripts: {}\nllms: {}\n", source="config.yaml")


def test_malformed_yaml_names_line_and_column():
    with pytest.raises(
        ConfigFormatError, match=r"c.yaml, line 2, column 5: mapping values are not allowed here"
    ):
        load_yaml("a: 1\nb: c: d\n", source="c.yaml")


def test_unknown_tags_are_refused():
    with pytest.raises(ConfigFormatError, match=r"line 1.*!include"):
        load_yaml("a: !include other.yaml")


def test_two_documents_are_refused():
    with pytest.raises(ConfigFormatError, match="2 YAML documents"):
        load_yaml("a: 1\n---\nb: 2\n")


def test_dump_writes_our_tags_plainly():
    text = dump_yaml(
        {"token": SecretRef("llm_default_token"), "then": [Yolo("archive"), Yolo({"label": "x"})]}
    )
    assert text == ("token: !secret llm_default_token\nthen:\n  - !yolo archive\n  - !yolo\n    label: x\n")


def test_dump_then_load_gives_back_the_data():
    data = {
        "shell": "echo one\necho two\n",
        "quoted": ["123", "yes", "< 0.2", "{{ subject }}", ""],
        "nested": {"empty": {}, "list": []},
        "then": [Yolo("archive")],
    }
    loaded = load_yaml(dump_yaml(data))
    assert loaded == data | {"then": [{"yolo": "archive"}]}


def test_multi_line_strings_are_literal_blocks():
    assert dump_yaml({"shell": "echo one\necho two\n"}) == "shell: |\n  echo one\n  echo two\n"


def test_long_strings_are_not_folded():
    prompt = "word " * 60
    assert dump_yaml({"p": prompt.strip()}).count("\n") == 1


# Storable text: NUL and lone surrogates are refused (see test_one_dialect.py).
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=20,
)


@settings(deadline=None, max_examples=examples(300))
@given(json_values)
def test_any_stored_value_survives_a_dump_and_load_byte_stably(value):
    text = dump_yaml({"value": value})
    assert load_yaml(text) == {"value": value}
    assert dump_yaml(load_yaml(text)) == text
