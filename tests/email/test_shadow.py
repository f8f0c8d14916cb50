"""Shadow mode end to end on Dovecot: a shadow ``archive`` rule moves nothing, the person's own
moves and flags become its agreement figures on the API and the page, and promotion makes the
next run act once, with the usual ledger and audit entries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from orchestrator.actions.undo import UndoError, action_undo
from orchestrator.models import ActionRecord, AuditEntry, Integration, PlatformConfig
from tests.email.harness import ImapHarness
from tests.email.home import home_integration, run_home

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("harness", ["imap"], indirect=True)]

NEWS = [f"<n{i}@news.example.com>" for i in range(1, 6)]
SHADOW_RULE = {
    "name": "newsletters",
    "mode": "shadow",
    "when": {"domain": "news.example.com"},
    "then": "archive",
}


def message(mid: str, sender: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: me@home.example\r\nSubject: {mid}\r\n"
        f"Date: Tue, 4 Mar 2025 09:59:00 +0000\r\nMessage-ID: {mid}\r\n\r\nHi.\r\n"
    ).encode()


@pytest.fixture
def home(harness: ImapHarness, settings: Any) -> Integration:
    harness.seed(
        [message(mid, "News <n@news.example.com>") for mid in NEWS]
        + [message("<friend@example.org>", "Friend <friend@example.org>")]
    )
    return home_integration(harness, settings, automations=[SHADOW_RULE], trusted=False)


def move_as_the_person(harness: ImapHarness, message_id: str, folder: str = "Archive") -> None:
    conn = harness._connection()
    try:
        uid = harness.uid_of(message_id)
        conn.select("INBOX")
        conn.uid("MOVE", str(uid), folder)
    finally:
        conn.logout()


def page_figures(client: Client) -> dict[str, int]:
    page = client.get("/ui/shadow/").content.decode()
    return {name: int(value) for name, value in re.findall(r'data-figure="(\w+)">(\d+)<', page)}


def test_a_shadow_archive_rule_moves_nothing_and_records_what_it_would_have_done(
    home: Integration, harness: ImapHarness
) -> None:
    run_home()
    assert set(harness.contents()) == {*NEWS, "<friend@example.org>"}
    assert harness.contents("Archive") == {}
    rows = ActionRecord.objects.all()
    assert {r.status for r in rows} == {"shadow"}
    assert rows.count() == len(NEWS)
    assert {r.summary for r in rows} == {"shadow: would have run"}
    run_home()  # a second run records nothing twice
    assert ActionRecord.objects.count() == len(NEWS)


def test_the_persons_moves_and_flags_are_the_agreement_figures_on_the_api_and_the_page(
    home: Integration, harness: ImapHarness
) -> None:
    run_home()
    for mid in NEWS[:3]:
        move_as_the_person(harness, mid)
    harness.set_flag(NEWS[3], r"\Flagged")  # kept and flagged: not what the rule would do
    run_home()
    client = Client()
    [found] = client.get("/api/shadow").json()["automations"]
    assert {k: found[k] for k in ("items", "actions", "agree", "disagree", "unknown")} == {
        "items": 5, "actions": 5, "agree": 3, "disagree": 1, "unknown": 1,
    }  # fmt: skip
    assert found["agreement"] == 0.75
    assert page_figures(client) == {"items": 5, "actions": 5, "agree": 3, "disagree": 1, "unknown": 1}


def test_promotion_makes_the_next_run_act_once_with_ledger_and_audit_entries(
    home: Integration, harness: ImapHarness
) -> None:
    run_home()
    move_as_the_person(harness, NEWS[0])
    run_home()
    config = PlatformConfig.objects.get()
    response = Client().post(f"/ui/shadow/{config.pk}/0/promote/", {"next": "/ui/shadow/"})
    assert response.status_code == 302
    config.refresh_from_db()
    assert "mode" not in config.automations[0]
    promoted = AuditEntry.objects.filter(message__contains="promoted").get()
    assert "from shadow to live" in promoted.message
    assert "1 agreed" in promoted.message
    run_home()
    assert set(harness.contents("Archive")) == set(NEWS)
    assert set(harness.contents()) == {"<friend@example.org>"}
    assert ActionRecord.objects.filter(status="done", action="archive").count() == 4
    assert AuditEntry.objects.filter(action="archive").count() >= 4
    run_home()  # once
    assert ActionRecord.objects.filter(status="done").count() == 4


def test_undoing_a_shadow_row_says_there_is_nothing_to_undo(home: Integration, harness: ImapHarness) -> None:
    run_home()
    record = ActionRecord.objects.first()
    assert record is not None
    with pytest.raises(UndoError, match=r"shadow row.*nothing to undo"):
        action_undo(record=record)
    assert set(harness.contents()) == {*NEWS, "<friend@example.org>"}


def test_a_message_the_person_moves_back_after_a_rule_archived_it_is_a_correction(
    home: Integration, harness: ImapHarness
) -> None:
    live = {"name": "newsletters", "when": {"domain": "news.example.com"}, "then": "archive"}
    PlatformConfig.objects.filter(integration=home).update(automations=[live])
    run_home()
    assert set(harness.contents("Archive")) == set(NEWS)
    run_home()  # the next check sees them gone: Steward's own archive, not the person's
    _move_back(harness, NEWS[0])
    run_home()
    assert NEWS[0] in harness.contents()  # not archived again
    reversed_row = ActionRecord.objects.get(item__key=NEWS[0], status="done")
    assert [o["change"] for o in reversed_row.observed] == ["came back to the INBOX"]
    [human] = [c for c in Client().get("/api/shadow").json()["calibration"] if c["classification"] == "human"]
    assert human["kept"][9] == len(NEWS) - 1  # the fake classifier answers 0.9
    assert human["corrected"][9] == 1


def _move_back(harness: ImapHarness, message_id: str) -> None:
    conn = harness._connection()
    try:
        uid = harness.uid_of(message_id, "Archive")
        conn.select("Archive")
        conn.uid("MOVE", str(uid), "INBOX")
    finally:
        conn.logout()
