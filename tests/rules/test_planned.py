from __future__ import annotations

import pytest

from integrations.base import Tier
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.planned import PlannedAction, PlannedActionError

ARCHIVE = PlannedAction(
    kind=ActionKind.PLATFORM,
    name="archive",
    provenance="llm",
    tier=Tier.SOFT,
    yolo=False,
    on_blocked=None,
    rule="automation #2 ('tidy')",
    rule_index=1,
    rule_name="tidy",
    rule_key="abc",
    argument=None,
)


def test_a_planned_action_survives_its_payload() -> None:
    assert PlannedAction.from_payload(ARCHIVE.to_payload()) == ARCHIVE


def test_a_payload_without_a_name_is_refused_naming_what_is_missing() -> None:
    with pytest.raises(PlannedActionError, match="needs a 'name'"):
        PlannedAction.from_payload({"kind": "platform", "provenance": "rule"})


def test_an_unknown_kind_is_refused_naming_the_action() -> None:
    with pytest.raises(PlannedActionError, match="'archive': unknown kind 'magic'"):
        PlannedAction.from_payload({"kind": "magic", "name": "archive"})


def test_a_payload_missing_provenance_and_tier_is_untrusted_and_irreversible() -> None:
    planned = PlannedAction.from_payload({"kind": "script", "name": "notify"})
    assert (planned.provenance, planned.tier, planned.rule) == ("unknown", Tier.IRREVERSIBLE, "direct")


def test_a_payload_queued_before_rules_had_labels_is_named_from_its_index() -> None:
    payload = {"kind": "platform", "name": "tag", "provenance": "rule", "rule_index": 0, "rule_name": "x"}
    assert PlannedAction.from_payload(payload).rule == "automation #1 ('x')"
