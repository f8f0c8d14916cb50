"""The audit log: contiguous seqs, a hash chain that exposes edits and deletions, daily markdown."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from orchestrator.audit import audit
from orchestrator.audit.chain import verify_chain
from orchestrator.audit.render import render_day
from orchestrator.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_entries() -> list[AuditEntry]:
    return [audit(f"event {n}", integration_id="dummy.one") for n in range(1, 6)]


def test_entries_get_contiguous_seqs_linked_by_hash(five_entries):
    assert [e.seq for e in five_entries] == [1, 2, 3, 4, 5]
    for previous, entry in itertools.pairwise(five_entries):
        assert entry.prev_hash == previous.hash
    assert verify_chain().ok


def test_an_edited_entry_is_named(five_entries):
    AuditEntry.objects.filter(seq=3).update(message="nothing to see")
    verdict = verify_chain()
    assert (verdict.ok, verdict.first_bad_seq) == (False, 3)
    assert "edited" in verdict.reason


def test_a_deleted_middle_entry_is_named(five_entries):
    AuditEntry.objects.filter(seq=2).delete()
    verdict = verify_chain()
    assert (verdict.ok, verdict.first_bad_seq) == (False, 2)


def test_deleted_tail_entries_are_detected_through_the_head(five_entries):
    AuditEntry.objects.filter(seq__gte=4).delete()
    verdict = verify_chain()
    assert (verdict.ok, verdict.first_bad_seq) == (False, 4)
    assert "deleted" in verdict.reason


def test_verify_command_fails_loudly_on_a_broken_chain(five_entries, capsys):
    call_command("audit_log", "--verify")
    assert "5 entries verified" in capsys.readouterr().out
    AuditEntry.objects.filter(seq=1).update(message="forged")
    with pytest.raises(CommandError, match="#1"):
        call_command("audit_log", "--verify")


def test_day_renders_as_markdown_lines_in_local_time(settings):
    entry = audit("Archived 'Hello' from alice@example.com")
    AuditEntry.objects.filter(pk=entry.pk).update(at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC))
    text = render_day(datetime(2026, 3, 2).date())
    assert text.splitlines()[0] == "# 2026-03-02 Monday"
    assert " - 09:05 Archived 'Hello' from alice@example.com" in text.splitlines()


def test_entries_are_mirrored_to_daily_files(settings, tmp_path):
    settings.STEWARD_LOGS_DIR = str(tmp_path)
    audit("first line\nwith a newline")
    (day_file,) = tmp_path.iterdir()
    assert day_file.name.endswith(".md")
    assert day_file.read_text().endswith("first line with a newline\n")
