"""Checks every email corpus gets — the in-repo fixtures and, when present, the recorded corpus.

The test modules call these with their corpus: tests/email/test_parsing.py, test_collect.py and
test_fuzz.py for tests/fixtures/email, tests/email/test_recorded_corpus.py for the recorded one.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from integrations.email import collecting, discovery
from integrations.email.keys import key_material_of
from integrations.email.parsing import parse_message
from integrations.email.plugin import SNAPSHOT_FIELDS
from tests.email.harness import Harness

# Fields that depend on where and when a message was stored, not on the message itself.
VOLATILE = {"uid", "is_read", "is_starred", "is_answered", "folder", "size", "received_at"}
NASTY = [
    b"\r\n\r\n", b"\n", b"\x00", b"\xff\xfe", b"=?utf-8?B?", b"?=", b"=?x-unknown?Q?=FF?=", b"--",
    b"Content-Type: multipart/mixed; boundary=\"\"\r\n", b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2024",
    b"Authentication-Results: ;;;=\r\n", b"Date: Mon, 99 Foo 99999 99:99:99 +9999\r\n",
    b"From: \"unterminated <a@\r\n", b"List-Unsubscribe: <https://[::1/>\r\n", "é".encode("utf-16"),
    b"Received: ; \r\n", b"(((((((((((", b"Message-ID: <<>>\r\n",
]  # fmt: skip


def assert_snapshot_is_json_without_the_body(raw: bytes) -> None:
    """The snapshot is storable as JSON, holds no MIME, counts the bytes; low trust = not all pass."""
    parsed = parse_message(raw, uid=1)
    assert "Content-Transfer-Encoding" not in json.dumps(parsed.snapshot)
    assert parsed.snapshot["size"] == len(raw)
    assert parsed.low_trust == (not all(parsed.snapshot["authentication"].values()))


def assert_every_message_collects_to_the_parsers_snapshot(harness: Harness, corpus: list[bytes]) -> None:
    """Seeded into a mailbox, every message is discovered once and collected as the parser sees it."""
    harness.seed(corpus)
    fields = {d.key: d.fields for d in discovery.check(harness.ctx(limit=len(corpus) + 10), {})}
    assert len(fields) == len(corpus)
    collected = {c.key: c for c in collecting.collect(harness.ctx(), fields)}
    assert set(collected) == set(fields)
    by_fingerprint = {parse_message(raw, uid=0).key.fingerprint: raw for raw in corpus}
    for item in collected.values():
        raw = by_fingerprint[item.snapshot["fingerprint"]]
        expected = parse_message(raw, uid=item.snapshot["uid"]).snapshot
        stable = {k: v for k, v in item.snapshot.items() if k not in VOLATILE}
        assert stable == {k: v for k, v in expected.items() if k not in VOLATILE}, expected["subject"]
        assert item.llm_input.startswith("From: ")
        assert item.low_trust == (not all(item.snapshot["authentication"].values()))


@st.composite
def mutated(draw: st.DrawFn, corpus: list[bytes]) -> bytes:
    """A corpus message with up to eight random flips, insertions, cuts and nasty fragments."""
    raw = bytearray(draw(st.sampled_from(corpus)))
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


def assert_parses_whatever_the_damage(raw: bytes, trusted: str | None) -> None:
    """What must hold for any input: every snapshot field, JSON-storable, and the same key."""
    parsed = parse_message(raw, uid=1, flags=[r"\Seen"], trusted_authserv_id=trusted)
    assert set(parsed.snapshot) == SNAPSHOT_FIELDS
    json.dumps(parsed.snapshot)  # storable as JSON
    assert isinstance(parsed.llm_input, str)
    assert parsed.snapshot["is_read"] is True
    assert key_material_of(raw).base_key == parsed.key.base_key
