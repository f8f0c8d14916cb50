"""Whatever a config file holds, import ends in a report or a ConfigError — never another exception."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.config_io.document import ConfigError
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import SecretRef, load_yaml
from tests.config_io.samples import FULL, FULL_SECRETS
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.django_db

DOCUMENT = load_yaml(FULL)


def _slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the document a value can be swapped: each mapping key and list index."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _slots(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _slots(inner, (*path, index))
    return found


SLOTS = _slots(DOCUMENT)

odd_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "30m", "90x", "* * * * *", "archive", "< 0.2", "{{ x }}", "{% bad"])
    | st.builds(SecretRef, st.sampled_from(["openai_token", "unknown"])),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8) | st.integers(), children, max_size=3)
    ),
    max_leaves=8,
)


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    parent = changed
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return changed


@settings(
    deadline=None, max_examples=examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(slot=st.sampled_from(SLOTS), value=odd_values)
def test_any_value_anywhere_is_reported_not_raised(slot, value):
    problems: list[str] = []
    try:
        config_import(config=_replace(DOCUMENT, slot, value), secrets=FULL_SECRETS)
    except ConfigError as exc:
        problems = exc.problems or [""]
    assert all(isinstance(problem, str) and problem for problem in problems)


@pytest.mark.parametrize(
    "config",
    [[], "text", 3, {"integrations": [None, [], "x"]}, {"llms": []}, {"scripts": {"s": "echo"}}, {1: 2}],
)
def test_wrong_shapes_are_config_errors(config):
    with pytest.raises(ConfigError):
        config_import(config=config, secrets={})


def test_secrets_that_are_not_a_mapping_are_a_config_error():
    with pytest.raises(ConfigError, match="the secrets file must be a mapping"):
        config_import(config={}, secrets=["a"])  # type: ignore[arg-type]


def test_text_no_database_can_store_is_refused_naming_its_path():
    with pytest.raises(ConfigError) as refused:
        config_import(config={"llms": {"local\x00": {"model": "m\ud800"}}}, secrets={})
    assert refused.value.problems == [
        "llms.local\x00.model: contains a lone surrogate (U+D800), which is not valid Unicode; "
        "send UTF-8 text",
        "llms: a key contains a NUL character (U+0000), which text cannot hold",
    ]


def test_an_infinite_number_is_refused_naming_its_path():
    """A float no JSON column can hold, handed to the importer by a caller (the YAML loader refuses
    ``.inf`` itself); Hypothesis found it in an LLM profile's parameters, where it reached the
    database."""
    document = {"llms": {"local": {"backend": "embedded", "parameters": {"temperature": float("inf")}}}}
    with pytest.raises(ConfigError) as refused:
        config_import(config=document, secrets={})
    assert refused.value.problems == [
        "llms.local.parameters.temperature: inf is not a number JSON can store; give a finite number"
    ]
