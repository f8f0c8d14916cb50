"""The extra run over the recorded corpus: real mail from other projects' test data.

The corpus is not part of this repository. When ``../shared/fixtures/email`` (or
``$STEWARD_FIXTURES_DIR/email``) is there, the checks the in-repo fixtures get run over it too,
with its own table (tests/email/recorded_table.py) and a few checks of quirks only it has; when it
is not, this whole module is one skipped line.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.email.parsing import parse_message
from tests.conftest import RECORDED_MISSING
from tests.email.corpus_checks import (
    assert_every_message_collects_to_the_parsers_snapshot,
    assert_parses_whatever_the_damage,
    assert_snapshot_is_json_without_the_body,
    mutated,
)
from tests.email.fixture_table import row_of
from tests.email.harness import RECORDED_EMAIL, Harness, fixture_bytes, fixture_names
from tests.email.recorded_table import EXPECTED

if not RECORDED_EMAIL.is_dir():
    pytest.skip(RECORDED_MISSING, allow_module_level=True)

NAMES = fixture_names(RECORDED_EMAIL)
CORPUS = [fixture_bytes(name, RECORDED_EMAIL) for name in NAMES]


def recorded(name: str) -> bytes:
    return fixture_bytes(name, RECORDED_EMAIL)


def snapshot_of(raw: bytes, **kwargs: Any) -> dict[str, Any]:
    return parse_message(raw, uid=7, **kwargs).snapshot


def test_the_recorded_table_covers_every_recorded_fixture() -> None:
    assert sorted(EXPECTED) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_recorded_fixture_fields(name: str) -> None:
    assert row_of(snapshot_of(recorded(name))) == EXPECTED[name]


@pytest.mark.parametrize("name", NAMES)
def test_recorded_snapshot_is_json_and_never_holds_the_body(name: str) -> None:
    assert_snapshot_is_json_without_the_body(recorded(name))


def test_a_real_google_update_without_a_sequence_bump_is_an_update() -> None:
    first = snapshot_of(recorded("calendar_request_google_application_ics.eml"))["calendar"]
    update = snapshot_of(recorded("calendar_update_google_same_uid_sequence_0.eml"))["calendar"]
    assert (first["is_update"], update["is_update"]) == (False, True)
    assert (first["end"], update["end"]) == ("2020-02-05T06:00:00+00:00", "2020-02-05T06:30:00+00:00")


def test_a_real_yahoo_cancel_is_read_from_its_icalendar_body() -> None:
    calendar = snapshot_of(recorded("calendar_cancel_yahoo_spf_fail_dmarc_fail.eml"))["calendar"]
    assert calendar["method"] == "CANCEL"


def test_a_real_exchange_invite_in_a_windows_time_zone_is_in_utc() -> None:
    calendar = snapshot_of(recorded("calendar_request_outlook_exchange.eml"))["calendar"]
    # 09:30 Pacific Daylight Time on 1 Oct 2019.
    assert (calendar["start"], calendar["end"]) == ("2019-10-01T16:30:00+00:00", "2019-10-01T17:30:00+00:00")


def test_a_real_google_invite_counts_no_rooms_and_reads_our_partstat() -> None:
    calendar = snapshot_of(
        recorded("calendar_request_google_application_ics.eml"), own_addresses=["rhanley@google.com"]
    )["calendar"]
    assert calendar["guest_count"] == 3  # four attendees, one of them a room
    assert calendar["partstat"] == "ACCEPTED"


def test_a_real_list_rechecking_dkim_has_the_latest_verdict() -> None:
    snapshot = snapshot_of(recorded("mailing_list_patch_reply_dkim_fail.eml"))
    assert snapshot["authentication"] == {"spf_pass": True, "dkim_pass": False, "dmarc_pass": False}


def test_real_gb2312_names_are_decoded() -> None:
    snapshot = snapshot_of(recorded("charset_gb2312_rfc2047_no_message_id.eml"))
    assert (snapshot["from_name"], snapshot["from_address"]) == ("张先生", "baoguan@hotmail.com")


def test_real_html_only_mail_becomes_text_for_the_llm() -> None:
    text = parse_message(recorded("html_only_thunderbird_long_links.eml"), uid=1).llm_input
    assert "<a " not in text
    assert text.startswith("From: postmaster@example.com\nName: Bob\n")


def test_every_recorded_fixture_collects_to_the_parsers_snapshot(harness: Harness) -> None:
    assert_every_message_collects_to_the_parsers_snapshot(harness, CORPUS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(CORPUS), st.sampled_from([None, "lists.ozlabs.org", "mx.google.com"]))
def test_mutated_recorded_messages_never_crash_the_parser(raw: bytes, trusted: str | None) -> None:
    assert_parses_whatever_the_damage(raw, trusted)
