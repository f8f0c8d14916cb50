"""Actions land in the right folder with the right flags, undo restores them, retries reconcile —
on Dovecot and on a Maildir alike."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.base import IntegrationError, Tier
from integrations.email import collecting, discovery, sessions
from integrations.email.actions import ACTIONS
from integrations.email.imap_store import ImapStore
from tests.email.harness import Ctx, Harness, ImapHarness, make_message

MID = "<1@test.example>"


def snapshot_for(harness: Harness, ctx: Ctx, message_id: str = MID) -> dict[str, Any]:
    fields = {d.key: d.fields for d in discovery.check(ctx, {})}
    return next(c.snapshot for c in collecting.collect(ctx, fields) if c.key == message_id)


def run(ctx: Ctx, name: str, snapshot: dict[str, Any], argument: Any = None) -> Any:
    return ACTIONS[name].run(ctx, snapshot, argument)


@pytest.fixture
def seeded(harness: Harness) -> Harness:
    harness.seed([make_message(1, extra="Reply-To: Answers <answers@example.org>\r\n"), make_message(2)])
    return harness


def test_the_tiers_are_declared() -> None:
    tiers = {name: spec.tier for name, spec in ACTIONS.items()}
    assert tiers == {
        "archive": Tier.SOFT, "spam": Tier.HARD, "trash": Tier.SOFT, "move_to": Tier.SOFT,
        "mark_read": Tier.SOFT, "flag": Tier.SOFT, "draft_reply": Tier.SOFT, "unsubscribe": Tier.IRREVERSIBLE,
    }  # fmt: skip
    assert all(spec.undo is not None for name, spec in ACTIONS.items() if name != "unsubscribe")


@pytest.mark.parametrize(("action", "folder"), [("archive", "Archive"), ("spam", "Junk"), ("trash", "Trash")])
def test_moves_land_in_the_special_use_folder_and_undo_restores(
    seeded: Harness, action: str, folder: str
) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    outcome = run(ctx, action, snapshot)
    assert MID in seeded.contents(folder)
    assert MID not in seeded.contents()
    assert outcome.undo["folder"] == folder
    assert outcome.undo["uid"] is not None
    assert seeded.contents(folder)[MID] == frozenset()  # moved, not read
    ACTIONS[action].undo(seeded.ctx(), snapshot, outcome.undo)  # type: ignore[misc]
    assert MID in seeded.contents()
    assert MID not in seeded.contents(folder)


def test_move_to_creates_the_folder_and_undo_moves_back(seeded: Harness) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    outcome = run(ctx, "move_to", snapshot, "Receipts")
    assert "created" in outcome.summary
    assert MID in seeded.contents("Receipts")
    ACTIONS["move_to"].undo(seeded.ctx(), snapshot, outcome.undo)  # type: ignore[misc]
    assert set(seeded.contents()) == {MID, "<2@test.example>"}


@pytest.mark.parametrize(("action", "flag"), [("mark_read", r"\Seen"), ("flag", r"\Flagged")])
def test_flags_are_set_and_undo_clears_them(seeded: Harness, action: str, flag: str) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    outcome = run(ctx, action, snapshot)
    assert seeded.contents()[MID] == frozenset({flag})
    assert seeded.contents()["<2@test.example>"] == frozenset()
    ACTIONS[action].undo(seeded.ctx(), snapshot, outcome.undo)  # type: ignore[misc]
    assert seeded.contents()[MID] == frozenset()


def test_undo_does_not_clear_a_flag_that_was_already_set(seeded: Harness) -> None:
    seeded.set_flag(MID, r"\Seen")
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    outcome = run(ctx, "mark_read", snapshot)
    ACTIONS["mark_read"].undo(seeded.ctx(), snapshot, outcome.undo)  # type: ignore[misc]
    assert seeded.contents()[MID] == frozenset({r"\Seen"})


def test_draft_reply_is_threaded_and_undo_deletes_it(seeded: Harness) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    outcome = run(ctx, "draft_reply", snapshot, "Thanks, I'll look at it.")
    drafts = seeded.contents("Drafts")
    assert list(drafts.values()) == [frozenset({r"\Draft"})]
    [draft_id] = drafts
    raw = _raw_draft(seeded)
    assert b"In-Reply-To: <1@test.example>" in raw
    assert b"References: <1@test.example>" in raw
    assert b"Subject: Re: Message 1" in raw
    assert b"To: answers@example.org" in raw
    assert seeded.contents()[MID] == frozenset()  # the original stays unread
    assert ACTIONS["draft_reply"].reconcile(seeded.ctx(), snapshot, "x") is True  # type: ignore[misc]
    ACTIONS["draft_reply"].undo(seeded.ctx(), snapshot, outcome.undo)  # type: ignore[misc]
    assert seeded.contents("Drafts") == {}
    assert draft_id == outcome.undo["message_id"]


def _raw_draft(harness: Harness) -> bytes:
    if isinstance(harness, ImapHarness):
        conn = harness._connection()
        conn.select('"Drafts"', readonly=True)
        _, data = conn.uid("FETCH", "1:*", "(BODY.PEEK[])")
        conn.logout()
        return bytes(data[0][1])  # type: ignore[index]
    box = harness._box("Drafts")  # type: ignore[attr-defined]
    return bytes(box.get_bytes(next(iter(box.keys()))))


def test_several_actions_on_one_message_follow_it(seeded: Harness) -> None:
    ctx = seeded.ctx()  # one context = one act task = one session
    snapshot = snapshot_for(seeded, ctx)
    run(ctx, "archive", snapshot)
    run(ctx, "mark_read", snapshot)
    run(ctx, "flag", snapshot)
    assert seeded.contents("Archive")[MID] == frozenset({r"\Seen", r"\Flagged"})


def test_a_message_deleted_between_check_and_act_is_a_permanent_error(seeded: Harness) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    seeded.remove(MID)
    with pytest.raises(IntegrationError) as error:
        run(seeded.ctx(), "archive", snapshot)
    assert error.value.permanent
    assert "no longer in INBOX" in str(error.value)
    other = snapshot_for(seeded, seeded.ctx(), "<2@test.example>")
    run(seeded.ctx(), "archive", other)  # the rest of the batch still works
    assert "<2@test.example>" in seeded.contents("Archive")


def test_a_retried_move_that_already_went_through_is_done_and_can_be_undone(seeded: Harness) -> None:
    """The server went away after a MOVE but before its answer: the retry finds the message in
    the destination, reports it done, and undo still brings it back."""
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    run(seeded.ctx(), "archive", snapshot)  # the first attempt, whose answer the worker never saw
    outcome = run(seeded.ctx(), "archive", snapshot)
    assert outcome.summary == "already in Archive"
    assert list(seeded.contents("Archive")) == [MID]
    ACTIONS["archive"].undo(seeded.ctx(), snapshot, outcome.undo)  # type: ignore[misc]
    assert MID in seeded.contents()
    assert MID not in seeded.contents("Archive")


def test_a_stale_uid_is_resolved_by_message_id(seeded: Harness) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    other = snapshot_for(seeded, ctx, "<2@test.example>")
    run(seeded.ctx(), "archive", {**snapshot, "uid": other["uid"]})
    assert set(seeded.contents()) == {"<2@test.example>"}


def test_reconcile_tells_a_done_move_from_an_undone_one(seeded: Harness) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    assert ACTIONS["archive"].reconcile(seeded.ctx(), snapshot, None) is False  # type: ignore[misc]
    run(ctx, "archive", snapshot)
    assert ACTIONS["archive"].reconcile(seeded.ctx(), snapshot, None) is True  # type: ignore[misc]
    assert ACTIONS["mark_read"].reconcile(seeded.ctx(), snapshot, None) is False  # type: ignore[misc]


def test_archive_without_an_archive_folder_is_a_clear_error(seeded: Harness) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    ctx = Ctx(settings={**seeded.settings, "folders": {"archive": "Nope"}}, secrets=seeded.secrets)
    with pytest.raises(
        IntegrationError, match=r"folders.archive is 'Nope', but no such folder exists"
    ) as error:
        run(ctx, "archive", snapshot)
    assert error.value.permanent


def test_a_folder_override_is_used(seeded: Harness) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    ctx = Ctx(settings={**seeded.settings, "folders": {"archive": "Sent"}}, secrets=seeded.secrets)
    run(ctx, "archive", snapshot)
    assert MID in seeded.contents("Sent")


def test_without_move_copy_store_and_uid_expunge_touch_only_that_message(imap_harness: ImapHarness) -> None:
    imap_harness.seed([make_message(1), make_message(2)])
    ctx = imap_harness.ctx()
    snapshot = snapshot_for(imap_harness, ctx)
    # Another client marked message 2 deleted without expunging: it must survive our expunge.
    conn = imap_harness._connection()
    conn.select("INBOX")
    conn.uid("STORE", str(imap_harness.uid_of("<2@test.example>")), "+FLAGS", r"(\Deleted)")
    conn.logout()
    session, _ = sessions._pooled(ctx)
    store = session.store
    assert isinstance(store, ImapStore)
    store.session.capabilities = store.session.capabilities - {"MOVE"}
    outcome = run(ctx, "archive", snapshot)
    assert MID in imap_harness.contents("Archive")
    assert outcome.undo["uid"] is not None
    assert imap_harness.contents() == {"<2@test.example>": frozenset({r"\Deleted"})}


def test_check_collect_and_an_act_batch_log_in_once(imap_harness: ImapHarness) -> None:
    from integrations.email import imap

    imap_harness.seed([make_message(n) for n in range(1, 6)])
    imap.COMMAND_COUNTS.clear()
    # Each stage is its own task; the session one leaves behind serves the next (sessions.py).
    fields = {d.key: d.fields for d in discovery.check(imap_harness.ctx(), {})}
    snapshots = [c.snapshot for c in collecting.collect(imap_harness.ctx(), fields)]
    ctx = imap_harness.ctx()
    for snapshot in snapshots:
        run(ctx, "archive", snapshot)
    assert imap.COMMAND_COUNTS["LOGIN"] == 1
    assert len(imap_harness.contents("Archive")) == 5


def test_a_kept_session_sees_mail_that_arrived_meanwhile(imap_harness: ImapHarness) -> None:
    from integrations.email import imap

    imap_harness.seed([make_message(1)])
    imap.COMMAND_COUNTS.clear()
    first = discovery.check(imap_harness.ctx(), {})
    imap_harness.deliver(make_message(2))
    second = discovery.check(imap_harness.ctx(), {d.key: d.fields for d in first})
    assert len(first) == 1
    assert len(second) == 2
    assert imap.COMMAND_COUNTS["LOGIN"] == 1


@pytest.mark.parametrize("name", ["Receipts\r\nA1 DELETE INBOX", "../../etc", ".hidden", "a*b", ""])
def test_unsafe_folder_names_are_refused(seeded: Harness, name: str) -> None:
    ctx = seeded.ctx()
    snapshot = snapshot_for(seeded, ctx)
    with pytest.raises(IntegrationError) as error:
        run(ctx, "move_to", snapshot, name)
    assert error.value.permanent
    assert set(seeded.contents()) == {MID, "<2@test.example>"}
