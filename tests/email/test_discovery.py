"""check: UIDVALIDITY + highest-UID checkpoint, limit/window, flag updates, never ``\\Seen`` — on
Dovecot and on a Maildir alike."""

from __future__ import annotations

import time
from typing import Any

import pytest

from integrations.email import discovery, imap
from integrations.email.keys import FINGERPRINT_PREFIX
from tests.email.harness import Harness, fixture_bytes, fixture_names, make_message


def known_from(found: list[Any]) -> dict[str, dict[str, Any]]:
    return {d.key: d.fields for d in found}


def test_first_run_takes_the_newest_limit_messages(harness: Harness) -> None:
    harness.seed([make_message(n) for n in range(1, 8)])
    found = discovery.check(harness.ctx(limit=3), {})
    assert sorted(d.key for d in found) == ["<5@test.example>", "<6@test.example>", "<7@test.example>"]


def test_first_run_keeps_to_the_window(harness: Harness) -> None:
    now = time.time()
    harness.seed([make_message(1), make_message(2)], start=now - 30 * 86400)
    harness.deliver(make_message(3))
    found = discovery.check(harness.ctx(window="7d"), {})
    assert [d.key for d in found] == ["<3@test.example>"]


def test_later_runs_fetch_only_what_arrived_after_the_checkpoint(harness: Harness) -> None:
    harness.seed([make_message(n) for n in range(1, 6)])
    first = discovery.check(harness.ctx(limit=2), {})
    assert {d.key for d in first} == {"<4@test.example>", "<5@test.example>"}
    harness.deliver(make_message(6))
    second = discovery.check(harness.ctx(limit=2), known_from(first))
    # Older messages below the checkpoint are never picked up later; the new one is.
    assert {d.key for d in second} == {"<4@test.example>", "<5@test.example>", "<6@test.example>"}


def test_later_runs_take_at_most_limit_new_messages_and_the_rest_next_time(harness: Harness) -> None:
    harness.seed([make_message(1)])
    known = known_from(discovery.check(harness.ctx(limit=5), {}))
    for n in range(2, 7):
        harness.deliver(make_message(n))
    second = discovery.check(harness.ctx(limit=2), known)
    assert {d.key for d in second} == {"<1@test.example>", "<2@test.example>", "<3@test.example>"}
    third = discovery.check(harness.ctx(limit=2), known_from(second))
    assert {d.key for d in third} - set(known_from(second)) == {"<4@test.example>", "<5@test.example>"}


def test_flag_changes_of_known_messages_are_picked_up(harness: Harness) -> None:
    harness.seed([make_message(1), make_message(2)])
    known = known_from(discovery.check(harness.ctx(), {}))
    assert known["<1@test.example>"]["is_read"] is False
    harness.set_flag("<1@test.example>", r"\Seen")
    harness.set_flag("<2@test.example>", r"\Flagged")
    again = known_from(discovery.check(harness.ctx(), known))
    assert again["<1@test.example>"]["is_read"] is True
    assert again["<2@test.example>"]["is_starred"] is True
    assert again["<2@test.example>"]["is_read"] is False


def test_a_message_gone_from_the_inbox_is_not_reported(harness: Harness) -> None:
    harness.seed([make_message(1), make_message(2)])
    known = known_from(discovery.check(harness.ctx(), {}))
    harness.remove("<1@test.example>")
    assert [d.key for d in discovery.check(harness.ctx(), known)] == ["<2@test.example>"]


def test_falling_out_of_the_window_does_not_drop_a_known_message(harness: Harness) -> None:
    harness.seed([make_message(1)], start=time.time() - 86400)
    known = known_from(discovery.check(harness.ctx(window="2d"), {}))
    assert [d.key for d in discovery.check(harness.ctx(window="1h"), known)] == ["<1@test.example>"]


def test_discovery_never_sets_seen(harness: Harness) -> None:
    harness.seed([fixture_bytes(name) for name in fixture_names()])
    discovery.check(harness.ctx(limit=100), {})
    assert all(r"\Seen" not in flags for flags in harness.contents().values())


def test_a_duplicate_message_id_gets_a_numbered_key(harness: Harness) -> None:
    harness.seed([make_message(1), make_message(1, subject="Same id, other text"), make_message(2)])
    keys = sorted(d.key for d in discovery.check(harness.ctx(), {}))
    assert keys == ["<1@test.example>", "<1@test.example>#2", "<2@test.example>"]


def test_a_message_without_message_id_is_keyed_by_its_fingerprint(harness: Harness) -> None:
    harness.seed([fixture_bytes("charset_gb2312_rfc2047_no_message_id.eml")])
    [found] = discovery.check(harness.ctx(), {})
    assert found.key.startswith(FINGERPRINT_PREFIX)
    assert len(found.key) == len(FINGERPRINT_PREFIX) + 64


def test_every_fixture_is_discovered_with_volatile_fields(harness: Harness) -> None:
    names = fixture_names()
    harness.seed([fixture_bytes(name) for name in names])
    found = discovery.check(harness.ctx(limit=100), {})
    assert len(found) == len(names)
    for item in found:
        assert item.fields["folder"] == "INBOX"
        assert {"uid", "uidvalidity", "is_read", "is_starred", "is_answered"} <= set(item.fields)


def test_a_uidvalidity_change_resyncs_known_items_by_key(harness: Harness) -> None:
    harness.seed([make_message(1), make_message(2)])
    known = known_from(discovery.check(harness.ctx(), {}))
    stale = {key: {**fields, "uidvalidity": "1", "uid": 999} for key, fields in known.items()}
    again = known_from(discovery.check(harness.ctx(), stale))
    assert again == known


def test_a_poll_with_nothing_new_sends_no_per_message_fetch(imap_harness: Harness) -> None:
    imap_harness.seed([make_message(n) for n in range(1, 41)])
    known = known_from(discovery.check(imap_harness.ctx(limit=100), {}))
    imap.COMMAND_COUNTS.clear()
    again = discovery.check(imap_harness.ctx(limit=100), known)
    assert len(again) == 40
    assert imap.COMMAND_COUNTS["UID FETCH"] == 1  # one batched FLAGS fetch for all 40
    assert imap.COMMAND_COUNTS["UID SEARCH"] == 0  # UIDNEXT says nothing arrived
    assert imap.COMMAND_COUNTS["LOGIN"] == 0  # the first check's session, kept (sessions.py)


@pytest.mark.parametrize("limit", [1, 50])
def test_new_messages_cost_a_constant_number_of_commands(imap_harness: Harness, limit: int) -> None:
    imap_harness.seed([make_message(n) for n in range(1, 61)])
    discovery.check(imap_harness.ctx(limit=limit), {})
    assert imap.COMMAND_COUNTS["UID FETCH"] <= 2
    assert imap.COMMAND_COUNTS["LOGIN"] == 1
