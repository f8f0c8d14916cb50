"""Hypothesis fuzz: mutated fixture messages and arbitrary bytes never crash the parser."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.email.parsing import parse_message
from integrations.email.plugin import SNAPSHOT_FIELDS
from tests.email.corpus_checks import assert_parses_whatever_the_damage, mutated
from tests.email.harness import fixture_bytes, fixture_names
from tests.hypothesis_profiles import examples

CORPUS = [fixture_bytes(name) for name in fixture_names()]


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(CORPUS), st.sampled_from([None, "mx.example.com", "lists.example.net"]))
def test_mutated_messages_never_crash_the_parser(raw: bytes, trusted: str | None) -> None:
    assert_parses_whatever_the_damage(raw, trusted)


@settings(max_examples=examples(200), deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_crash_the_parser(raw: bytes) -> None:
    parsed = parse_message(raw, uid=None)
    assert set(parsed.snapshot) == SNAPSHOT_FIELDS
    json.dumps(parsed.snapshot)
