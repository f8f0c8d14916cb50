"""A chat turn is claimed, and its reply pushed, through a wake-up, not a poll (docs/ARCHITECTURE.md).

With the safety-net polls set to 60 s, a reply that arrives within 30 s can only have come through
the doorbells: the web process rang the interactive cluster's pusher (claim), the worker rang the
web process (push). When the doorbell is gone, work still completes through the poll.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from orchestrator import checks, doorbell
from tests.chat.harness import steward_server
from tests.chat.test_cross_process import converse

pytestmark = pytest.mark.slow

SLOW_POLL = {"STEWARD_WAKE_SAFETY_POLL_S": "60"}


def test_a_chat_turn_is_claimed_and_pushed_by_wake_ups_with_the_polls_at_60_s() -> None:
    with steward_server(**SLOW_POLL) as server:
        texts = ["one", "two", "three"]
        results = asyncio.run(converse(server, server.new_conversation(), texts))
        assert [r["content"] for r in results] == [f"echo: {t}" for t in texts]
        assert all(r["statuses"][-1] == "done" for r in results)
        # Every reply arrived well inside one 60 s poll (converse waits at most 30 s per frame).
        assert all(r["round_trip_s"] < 30 for r in results)


def test_a_turn_still_completes_when_the_doorbell_sockets_are_removed() -> None:
    with steward_server() as server:
        conversation = server.new_conversation()
        assert asyncio.run(converse(server, conversation, ["first"]))[0]["content"] == "echo: first"
        sockets = list((server.data_dir / "wake").glob("*.sock"))
        assert sockets, "the web process and the pushers listen on sockets beside the database"
        for path in sockets:
            path.unlink()
        results = asyncio.run(converse(server, conversation, ["after", "again"]))
        assert [r["content"] for r in results] == ["echo: after", "echo: again"]


@pytest.mark.django_db
def test_doctor_warns_when_wake_ups_are_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setattr(doorbell, "_wake_dir", lambda: blocker / "wake")
    monkeypatch.setattr(doorbell, "_redis_url", lambda: "")  # the socket doorbell, also under test-scale
    result = checks.check_wakeups()
    assert result.warning
    assert not result.ok
    assert "poll every" in result.message


@pytest.mark.django_db
def test_doctor_reports_working_wake_ups() -> None:
    result = checks.check_wakeups()
    assert result.ok, result.message
