"""Hypothesis fuzz: mutated real messages never crash the parser (SPEC §16)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.email.keys import key_material_of
from integrations.email.parsing import parse_message
from integrations.email.plugin import SNAPSHOT_FIELDS
from tests.email.harness import fixture_bytes, fixture_names
from tests.hypothesis_profiles import examples

CORPUS = [fixture_bytes(name) for name in fixture_names()]
NASTY = [
    b"\r\n\r\n", b"\n", b"\x00", b"\xff\xfe", b"=?utf-8?B?", b"?=", b"=?x-unknown?Q?=FF?=", b"--",
    b"Content-Type: multipart/mixed; boundary=\"\"\r\n", b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2024",
    b"Authentication-Results: ;;;=\r\n", b"Date: Mon, 99 Foo 99999 99:99:99 +9999\r\n",
    b"From: \"unterminated <a@\r\n", b"List-Unsubscribe: <https://[::1/>\r\n", "é".encode("utf-16"),
    b"Received: ; \r\n", b"(((((((((((", b"Message-ID: <<>>\r\n",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        position = draw(st.integers(min_value=0, max_value=max(len(raw) - 1, 0)))
        operation = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "nasty"]))
        if operation == "flip" and raw:
            raw[position] = draw(st.integers(min_value=0, max_value=255))
        elif operation == "insert":
            raw[position:position] = draw(st.binary(min_size=1, max_size=40))
        elif operation == "delete":
            raw[position : position + draw(st.integers(min_value=1, max_value=200))] = b""
        elif operation == "truncate":
            del raw[position:]
        else:
            raw[position:position] = draw(st.sampled_from(NASTY))
    return bytes(raw)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from([None, "lists.ozlabs.org", "mx.google.com"]))
def test_mutated_messages_never_crash_the_parser(raw: bytes, trusted: str | None) -> None:
    parsed = parse_message(raw, uid=1, flags=[r"\Seen"], trusted_authserv_id=trusted)
    assert set(parsed.snapshot) == SNAPSHOT_FIELDS
    json.dumps(parsed.snapshot)  # storable as JSON
    assert isinstance(parsed.llm_input, str)
    assert parsed.snapshot["is_read"] is True
    assert key_material_of(raw).base_key == parsed.key.base_key


@settings(max_examples=examples(200), deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_crash_the_parser(raw: bytes) -> None:
    parsed = parse_message(raw, uid=None)
    assert set(parsed.snapshot) == SNAPSHOT_FIELDS
    json.dumps(parsed.snapshot)
