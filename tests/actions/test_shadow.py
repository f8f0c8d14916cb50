"""Shadow rules on ``dummy.one`` through the real queue: bad input gets clear messages and nothing
runs by accident; a replay of the live rules finds no difference; replay and calibration commands
report without writing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from orchestrator.actions.shadow import PromotionError, shadow_promote, shadow_promote_platform
from orchestrator.actions.undo import action_undo
from orchestrator.models import ActionRecord, AuditEntry, Integration, PlatformConfig
from tests.pipeline.driving import configure, effects, run_pipeline

pytestmark = pytest.mark.django_db


def test_a_shadow_rule_with_an_invalid_condition_is_refused_at_save(steward: Integration) -> None:
    with pytest.raises(ValidationError, match=r"automation #1.*n"):
        configure(steward, automations=[{"mode": "shadow", "when": {"n": "> > 1"}, "then": {"tag": "x"}}])


def test_an_unknown_mode_is_refused_naming_the_valid_ones(steward: Integration) -> None:
    with pytest.raises(ValidationError, match="mode: 'dry' is not a mode; valid: live, shadow"):
        configure(steward, automations=[{"mode": "dry", "when": {"n": 1}, "then": {"tag": "x"}}])


def test_a_shadow_llm_shout_is_refused_at_save_like_a_live_one(steward: Integration) -> None:
    rule = {"mode": "shadow", "when": {"classification.interesting": "> 0.5"}, "then": {"shout": "hi"}}
    with pytest.raises(ValidationError, match="Refused"):
        configure(steward, automations=[rule])


def test_promoting_a_rule_gate_1_refuses_says_why_and_changes_nothing(steward: Integration) -> None:
    unsafe = {"mode": "shadow", "when": {"classification.interesting": "> 0.5"}, "then": {"shout": "hi"}}
    PlatformConfig.objects.filter(integration=steward).update(automations=[unsafe])  # a raw DB edit
    run_pipeline()
    assert effects() == []  # shadow: recorded, not shouted
    assert set(ActionRecord.objects.values_list("status", "summary")) == {
        ("shadow", "shadow: would have been blocked by the safety gate")
    }
    config = PlatformConfig.objects.get(integration=steward)
    with pytest.raises(PromotionError, match=r"cannot go live.*Refused.*stays in shadow mode"):
        shadow_promote(config_id=config.pk, index=0, user=None)
    config.refresh_from_db()
    assert config.automations == [unsafe]
    assert not AuditEntry.objects.filter(message__contains="promoted").exists()
    run_pipeline()
    assert effects() == []


def test_promoting_a_live_rule_is_refused(steward: Integration) -> None:
    config = configure(steward, automations=[{"when": {"n": 1}, "then": {"tag": "x"}}])
    with pytest.raises(PromotionError, match="is not in shadow mode"):
        shadow_promote(config_id=config.pk, index=0, user=None)
    with pytest.raises(PromotionError, match="is not in shadow mode"):
        shadow_promote(config_id=config.pk, index=5, user=None)


def test_a_shadow_row_is_not_undone_and_the_live_rule_still_acts_after_promotion(
    steward: Integration,
) -> None:
    config = configure(
        steward,
        automations=[{"mode": "shadow", "when": {"n": 1}, "then": {"tag": "hot"}}],
        options={"count": 2},
    )
    run_pipeline()
    assert effects() == []
    with pytest.raises(Exception, match="nothing to undo"):
        action_undo(record=ActionRecord.objects.get())
    shadow_promote(config_id=config.pk, index=0, user=None)
    run_pipeline()
    assert [e["action"] for e in effects()] == ["tag"]
    assert ActionRecord.objects.filter(status="done").count() == 1
    assert ActionRecord.objects.filter(status="shadow").count() == 1


def replay_output(*args: Any) -> str:
    out = StringIO()
    call_command("replay_rules", *args, stdout=out)
    return out.getvalue()


def test_replaying_the_live_rules_finds_no_difference_and_writes_nothing(steward: Integration) -> None:
    configure(steward, automations=[{"when": {"n": [1, 2]}, "then": {"tag": "hot"}}], options={"count": 3})
    run_pipeline()
    counts = (ActionRecord.objects.count(), AuditEntry.objects.count())
    report = replay_output("dummy.one")
    assert "items: 3 stored item(s) replayed" in report
    assert "automation #1: matches 2 item(s), 2 action(s); 0 did not happen" in report
    assert (ActionRecord.objects.count(), AuditEntry.objects.count()) == counts


def test_replaying_an_edited_rule_set_from_a_file_shows_what_differs(
    steward: Integration, tmp_path: Any
) -> None:
    configure(steward, automations=[{"when": {"n": 1}, "then": {"tag": "hot"}}], options={"count": 3})
    run_pipeline()
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        "integrations:\n  - type: dummy\n    name: one\n    platforms:\n      items:\n"
        "        automations:\n          - when: {n: 2}\n            then: {tag: warm}\n"
    )
    report = replay_output("dummy.one", "--config", str(edited), "--days", "1")
    assert "automation #1: matches 1 item(s), 1 action(s); 1 did not happen" in report
    assert '+ tag "warm" on' in report
    assert "1 done action(s) this rule set would not do:" in report
    assert [r.action for r in ActionRecord.objects.all()] == ["tag"]


def test_replay_of_an_unknown_integration_says_what_to_give(steward: Integration) -> None:
    with pytest.raises(CommandError, match=r"No configured platform email\.nope"):
        replay_output("email.nope")


def test_calibration_counts_an_undo_as_a_correction(steward: Integration) -> None:
    configure(
        steward,
        automations=[{"when": {"n": [1, 2]}, "then": {"tag": "hot"}}],
        options={"count": 3},
    )
    run_pipeline()
    action_undo(record=ActionRecord.objects.filter(status="done").first())
    out = StringIO()
    call_command("calibration", stdout=out)
    text = out.getvalue()
    assert "interesting:" in text
    assert "  0.9      1          1" in text  # the fake classifier answers 0.9: one kept, one undone


def test_a_shadow_platform_records_every_rule_but_one_that_says_live_acts(steward: Integration) -> None:
    config = configure(
        steward,
        automations=[
            {"name": "hot", "mode": "live", "when": {"n": 1}, "then": {"tag": "hot"}},
            {"name": "warm", "when": {"n": 2}, "then": {"tag": "warm"}},
        ],
        options={"count": 3},
    )
    PlatformConfig.objects.filter(pk=config.pk).update(mode="shadow")
    run_pipeline()
    assert [e["name"] for e in effects()] == ["hot"]
    assert list(ActionRecord.objects.filter(status="shadow").values_list("rule", flat=True)) == [
        "automation #2 ('warm')"
    ]


def test_promoting_a_shadow_platform_makes_its_rules_act_once(steward: Integration) -> None:
    config = configure(
        steward, automations=[{"when": {"n": 2}, "then": {"tag": "warm"}}], options={"count": 3}
    )
    PlatformConfig.objects.filter(pk=config.pk).update(mode="shadow")
    run_pipeline()
    assert effects() == []
    shadow_promote_platform(config_id=config.pk, user=None)
    assert "promoted platform dummy.one/items from shadow to live" in AuditEntry.objects.last().message
    run_pipeline()
    run_pipeline()
    assert [e["name"] for e in effects()] == ["warm"]
    with pytest.raises(PromotionError, match="not in shadow mode"):
        shadow_promote_platform(config_id=config.pk, user=None)


def test_reclassify_asks_the_classifier_again_and_stores_nothing(
    steward: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.plugins import classifier

    configure(
        steward,
        automations=[{"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "hot"}}],
        options={"count": 2},
    )
    run_pipeline()
    assert "0 did not happen" in replay_output("dummy.one")
    calls = len(classifier.CALLS)
    monkeypatch.setattr(classifier, "DEFAULT_CONFIDENCE", 0.1)
    report = replay_output("dummy.one", "--reclassify")
    assert len(classifier.CALLS) == calls + 2
    assert "automation #1: matches 0 item(s), 0 action(s)" in report
    assert "2 done action(s) this rule set would not do:" in report
    assert {item.classification["interesting"] for item in steward_items()} == {0.9}


def steward_items() -> list[Any]:
    from orchestrator.models import Item

    return list(Item.objects.filter(integration_id="dummy.one"))


def test_the_undo_api_answers_409_for_a_shadow_row(steward: Integration) -> None:
    from django.test import Client

    configure(steward, automations=[{"mode": "shadow", "when": {"n": 1}, "then": {"tag": "hot"}}])
    run_pipeline()
    record = ActionRecord.objects.get()
    response = Client().post(f"/api/actions/{record.pk}/undo")
    assert response.status_code == 409
    assert "shadow row" in response.json()["detail"]
    record.refresh_from_db()
    assert record.status == "shadow"
    assert effects() == []
