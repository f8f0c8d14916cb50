"""check → collect → classify → evaluate → act through the real queue, against Dovecot and a
Maildir: actions land where they should, undo restores, ``\\Seen`` is only set by ``mark_read``,
the safety gate holds for ``unsubscribe``, and a second run does nothing again."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from integrations.email import imap
from orchestrator.actions.undo import action_undo
from orchestrator.models import ActionRecord, Integration, Item, PlatformConfig, Run
from tests.email.harness import Harness
from tests.email.home import home_integration, message, run_home
from tests.email.https_server import HttpsServer

pytestmark = pytest.mark.django_db


INVITE = (
    "Content-Type: text/calendar; method=REQUEST\r\n",
    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x@home.example\r\n"
    "DTSTART:20250311T140000Z\r\nDTEND:20250311T150000Z\r\nEND:VEVENT\r\nEND:VCALENDAR",
)
AUTOMATIONS = [
    {
        "name": "friends",
        "when": {"from_address": "friend@example.org"},
        "then": ["mark_read", {"move_to": "Friends"}],
    },
    {"name": "invites", "when": {"is_calendar_event": True}, "then": "archive"},
    {
        "name": "phishing",
        "when": {"authentication.dmarc_pass": False, "authentication.spf_pass": False},
        "then": "spam",
    },
    {
        "name": "news",
        "when": {"domain": "news.example.com", "is_unsubscribable": True},
        "then": "unsubscribe",
    },
    {
        "name": "boss",
        "when": {"from_address": "boss@work.example", "classification.requires_response": True},
        "then": ["flag", {"draft_reply": "On it."}],
    },
]


@pytest.fixture
def home(harness: Harness, https_server: HttpsServer, settings: Any) -> Integration:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    one_click = (
        f"List-Unsubscribe: <{https_server.url()}>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    )
    harness.seed(
        [
            message("<friend@example.org>", "Friend <friend@example.org>", "Dinner?"),
            message("<invite@work.example>", "Cal <cal@work.example>", "Q2", extra=INVITE[0], body=INVITE[1]),
            message("<phish@bank.example>", "Bank <security@bank.example>", "Verify now", auth="fail"),
            message("<weekly@news.example.com>", "News <n@news.example.com>", "Weekly", extra=one_click),
            message("<budget@work.example>", "Boss <boss@work.example>", "Budget sign-off"),
        ]
    )
    return home_integration(harness, settings, automations=AUTOMATIONS)


def test_the_whole_pipeline_files_flags_drafts_and_unsubscribes_once(
    home: Integration, harness: Harness, https_server: HttpsServer
) -> None:
    run_home()
    assert Run.objects.get().status == "done"
    assert harness.contents() == {
        "<weekly@news.example.com>": frozenset(),
        "<budget@work.example>": frozenset({r"\Flagged"}),
    }
    assert harness.contents("Friends") == {"<friend@example.org>": frozenset({r"\Seen"})}
    assert set(harness.contents("Archive")) == {"<invite@work.example>"}
    assert set(harness.contents("Junk")) == {"<phish@bank.example>"}
    assert list(harness.contents("Drafts").values()) == [frozenset({r"\Draft"})]
    assert [path for _, path, _, _ in https_server.recorder.requests] == ["/unsubscribe?list=news&id=42"]
    assert Item.objects.get(key="<phish@bank.example>").low_trust is True

    run_home()  # nothing new: nothing happens twice
    assert len(https_server.recorder.requests) == 1
    assert ActionRecord.objects.filter(status="done").count() == 7
    assert set(Item.objects.filter(status="synced").values_list("key", flat=True)) == {
        "<friend@example.org>", "<invite@work.example>", "<phish@bank.example>",
    }  # fmt: skip


def test_undo_moves_the_message_back_and_it_is_not_moved_again(home: Integration, harness: Harness) -> None:
    run_home()
    action_undo(record=ActionRecord.objects.get(action="move_to"))
    assert "<friend@example.org>" in harness.contents()
    run_home()
    assert Item.objects.get(key="<friend@example.org>").status == "active"
    assert "<friend@example.org>" in harness.contents()  # the undone move is not redone


def test_an_llm_rule_cannot_unsubscribe_without_yolo(home: Integration) -> None:
    config = home.platforms.get(name="inbox")
    config.automations = [{"when": {"classification.human": "< 0.2"}, "then": "unsubscribe"}]
    with pytest.raises(ValidationError, match="unsubscribe"):
        config.full_clean()


def test_an_llm_unsubscribe_that_slipped_past_the_save_gate_is_blocked(
    home: Integration, https_server: HttpsServer
) -> None:
    unsafe = {"when": {"classification.human": "> 0.5"}, "then": "unsubscribe"}
    PlatformConfig.objects.filter(integration=home).update(automations=[unsafe])  # a raw DB edit
    run_home()
    assert https_server.recorder.requests == []
    assert set(ActionRecord.objects.values_list("status", flat=True)) == {"blocked"}


@pytest.mark.parametrize("harness", ["imap"], indirect=True)
def test_a_second_poll_fetches_no_message(home: Integration) -> None:
    run_home()
    imap.COMMAND_COUNTS.clear()
    run_home()
    assert imap.COMMAND_COUNTS["UID FETCH"] <= 1  # the known messages' flags, in one batch
