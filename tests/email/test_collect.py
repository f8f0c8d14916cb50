"""collect: the snapshots a real server (or Maildir) yields equal what the parser makes of the
fixture; batched fetches; no ``\\Seen``; gone and huge messages; the rest of the batch goes on."""

from __future__ import annotations

from typing import Any

from integrations.email import collecting, discovery, imap
from tests.email.corpus_checks import assert_every_message_collects_to_the_parsers_snapshot
from tests.email.harness import Harness, fixture_bytes, fixture_names, make_message, message_with_a_video


def discovered(harness: Harness, **options: Any) -> dict[str, dict[str, Any]]:
    return {d.key: d.fields for d in discovery.check(harness.ctx(**options), {})}


def test_every_fixture_collects_to_the_parsers_snapshot(harness: Harness) -> None:
    assert_every_message_collects_to_the_parsers_snapshot(
        harness, [fixture_bytes(n) for n in fixture_names()]
    )


def test_collect_never_sets_seen_and_reads_flags(harness: Harness) -> None:
    harness.seed([make_message(1), make_message(2)])
    harness.set_flag("<2@test.example>", r"\Flagged")
    collected = {c.key: c.snapshot for c in collecting.collect(harness.ctx(), discovered(harness))}
    assert collected["<2@test.example>"]["is_starred"] is True
    assert collected["<1@test.example>"]["is_read"] is False
    assert all(r"\Seen" not in flags for flags in harness.contents().values())


def test_a_batch_costs_no_new_login_and_two_fetches(imap_harness: Harness) -> None:
    imap_harness.seed([make_message(n) for n in range(1, 51)])
    fields = discovered(imap_harness)
    imap.COMMAND_COUNTS.clear()
    assert len(list(collecting.collect(imap_harness.ctx(), fields))) == 50
    assert imap.COMMAND_COUNTS["LOGIN"] == 0  # the session the check left (sessions.py)
    assert imap.COMMAND_COUNTS["UID FETCH"] == 2


def test_a_message_gone_before_collect_is_skipped_and_the_rest_collected(harness: Harness) -> None:
    harness.seed([make_message(n) for n in range(1, 4)])
    fields = discovered(harness)
    harness.remove("<2@test.example>")
    keys = sorted(c.key for c in collecting.collect(harness.ctx(), fields))
    assert keys == ["<1@test.example>", "<3@test.example>"]


def test_a_stale_uid_is_found_again_by_message_id(harness: Harness) -> None:
    harness.seed([make_message(1), make_message(2)])
    fields = discovered(harness)
    swapped = {
        "<1@test.example>": {**fields["<1@test.example>"], "uid": fields["<2@test.example>"]["uid"]},
        "<2@test.example>": {**fields["<2@test.example>"], "uidvalidity": "other"},
    }
    collected = {c.key: c.snapshot["message_id"] for c in collecting.collect(harness.ctx(), swapped)}
    assert collected == {"<1@test.example>": "<1@test.example>", "<2@test.example>": "<2@test.example>"}


def test_collect_reads_stored_fields_from_its_context_when_given_only_keys(imap_harness: Harness) -> None:
    imap_harness.seed([make_message(1)])
    fields = discovered(imap_harness)
    ctx = imap_harness.ctx()
    ctx.stored = fields
    [item] = collecting.collect(ctx, list(fields))
    assert item.key == "<1@test.example>"


def test_a_25_mb_message_is_collected_and_the_batch_goes_on(harness: Harness) -> None:
    raw = message_with_a_video(25)
    harness.seed([raw, make_message(1)])
    collected = {c.key: c for c in collecting.collect(harness.ctx(), discovered(harness))}
    big = collected["<big@example.org>"].snapshot
    assert big["size"] >= len(raw)  # the server's size (IMAP counts CRLF line ends)
    assert big["has_attachments"] is True
    assert big["subject"] == "Video"
    assert "See attached." in collected["<big@example.org>"].llm_input
    assert "<1@test.example>" in collected
