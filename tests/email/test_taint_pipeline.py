"""Argument taint through the real email pipeline (Maildir): a literal folder under an LLM condition
moves the mail, an LLM-written draft body is drafted, and an LLM-chosen folder that slipped past the
save gate is blocked at run time, naming the parameter."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.models import ActionRecord, Integration, PlatformConfig
from tests.email.harness import Harness
from tests.email.home import home_integration, message, run_home
from tests.pipeline.driving import drain

pytestmark = pytest.mark.django_db
REPLY = "Thanks, received: I will answer by Friday."
CLASSIFICATIONS = {
    "receipt": "Is this a receipt?",
    "reply": {"prompt": "The best short reply", "type": "enum", "values": [REPLY]},
    "folder": {"prompt": "Which folder?", "type": "enum", "values": ["Work", "Receipts"]},
}


def _home(harness: Harness, settings: Any, automations: list[Any]) -> Integration:
    harness.seed([message("<order@shop.example>", "Shop <orders@shop.example>", "Your order")])
    return home_integration(harness, settings, automations=automations, classifications=CLASSIFICATIONS)


def test_a_literal_folder_under_an_llm_condition_moves_the_mail(
    maildir_harness: Harness, settings: Any
) -> None:
    _home(
        maildir_harness,
        settings,
        [{"when": {"classification.receipt": "> 0.5"}, "then": {"move_to": "Receipts"}}],
    )
    run_home()
    assert set(maildir_harness.contents("Receipts")) == {"<order@shop.example>"}


def test_a_draft_body_written_by_the_llm_is_drafted(maildir_harness: Harness, settings: Any) -> None:
    _home(
        maildir_harness,
        settings,
        [
            {
                "when": {"classification.receipt": "> 0.5"},
                "then": {"draft_reply": "{{ classification.reply }}"},
            }
        ],
    )
    run_home()
    [record] = ActionRecord.objects.filter(action="draft_reply")
    assert record.status == "done"
    assert record.parameters == {"argument": REPLY}
    assert len(maildir_harness.contents("Drafts")) == 1


def test_an_llm_chosen_folder_that_slipped_past_the_save_gate_is_blocked_naming_the_parameter(
    maildir_harness: Harness, settings: Any
) -> None:
    home = _home(maildir_harness, settings, [])
    tainted = {"when": {"is_noreply": False}, "then": {"move_to": "{{ classification.folder }}"}}
    PlatformConfig.objects.filter(integration=home).update(automations=[tainted])  # a raw DB edit
    run_home()
    [record] = ActionRecord.objects.filter(action="move_to")
    assert record.status == "blocked"
    assert "parameter 'move_to' comes from LLM output (classification)" in record.summary
    assert "<order@shop.example>" in maildir_harness.contents()


def test_on_blocked_ask_waits_for_approval_naming_the_parameter_and_approval_moves_it(
    maildir_harness: Harness, settings: Any
) -> None:
    from orchestrator.actions.approvals import approval_decide
    from orchestrator.models import Approval

    rule = {
        "when": {"is_noreply": False},
        "then": {"move_to": "{{ classification.folder }}"},
        "on_blocked": "ask",
    }
    _home(maildir_harness, settings, [rule])
    run_home()
    approval = Approval.objects.get()
    assert "parameter 'move_to' comes from LLM output" in approval.description
    assert "<order@shop.example>" in maildir_harness.contents()

    approval_decide(approval=approval, option="approve")
    drain()
    assert set(maildir_harness.contents("Work")) == {"<order@shop.example>"}
