"""What ``email.inbox`` reports the person did between two checks."""

from __future__ import annotations

from integrations.email.observing import MOVES, observe
from integrations.email.plugin import INBOX

SEEN = {"uid": 4, "folder": "INBOX", "is_read": False, "is_starred": False}


def test_the_inbox_platform_declares_its_observer() -> None:
    assert INBOX.observe is observe


def test_a_message_that_left_the_inbox_agrees_with_every_move() -> None:
    [found] = observe(SEEN, None)
    assert found.change == "left the INBOX"
    assert found.agrees_with == MOVES == frozenset({"archive", "move_to", "trash", "spam"})


def test_a_message_back_in_the_inbox_reverses_the_moves() -> None:
    [found] = observe(None, SEEN)
    assert found.reverses == MOVES


def test_flags_set_agree_and_flags_cleared_reverse() -> None:
    flagged = observe(SEEN, {**SEEN, "is_starred": True, "is_read": True})
    assert [(o.change, o.agrees_with) for o in flagged] == [
        ("flagged", frozenset({"flag"})),
        ("marked read", frozenset({"mark_read"})),
    ]
    [cleared] = observe({**SEEN, "is_starred": True}, SEEN)
    assert cleared.reverses == frozenset({"flag"})


def test_a_new_uid_alone_is_no_change_of_the_persons() -> None:
    assert list(observe(SEEN, {**SEEN, "uid": 9})) == []
