"""evaluate → act over the dummy platform: provenance per action, both gates, the ledger (docs/SAFETY.md)."""

from __future__ import annotations

import pytest

from orchestrator.models import ActionRecord, AuditEntry, PlatformConfig, Run, Task
from tests.pipeline.driving import configure, effects, run_pipeline
from tests.plugins import classifier

pytestmark = pytest.mark.django_db

SHOUT_FIRST = {"when": {"n": 1}, "then": {"shout": "first!"}}
TAG_INTERESTING = {"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "hot"}}
YOLO_SHOUT = {"when": {"classification.interesting": "> 0.5"}, "then": {"yolo": {"shout": "wow"}}}


def test_rule_shout_and_an_unrelated_llm_tag_on_the_same_item_both_run(steward):
    configure(steward, automations=[SHOUT_FIRST, TAG_INTERESTING], options={"count": 1})
    run_pipeline()
    assert effects() == [
        {"action": "shout", "n": 1, "text": "first!"},
        {"action": "tag", "n": 1, "name": "hot"},
    ]
    records = {r.action: r for r in ActionRecord.objects.all()}
    assert (records["shout"].provenance, records["shout"].status) == ("rule", "done")
    assert (records["tag"].provenance, records["tag"].status) == ("llm", "done")


def test_actions_carry_the_provenance_of_their_own_rule_only(steward):
    configure(steward, automations=[SHOUT_FIRST, TAG_INTERESTING])
    run_pipeline()
    assert set(ActionRecord.objects.values_list("action", "provenance").distinct()) == {
        ("shout", "rule"),
        ("tag", "llm"),
    }


def test_run_counts_the_actions_done(steward):
    configure(steward, automations=[SHOUT_FIRST, TAG_INTERESTING])
    run_pipeline()
    run = Run.objects.get()
    assert (run.status, run.actions_done, run.actions_blocked, run.actions_failed) == ("done", 4, 0, 0)


def test_yolo_irreversible_action_runs_on_llm_provenance_with_an_audited_warning(steward):
    configure(steward, automations=[YOLO_SHOUT], options={"count": 1})
    run_pipeline()
    assert effects("shout") == [{"action": "shout", "n": 1, "text": "wow"}]
    warning = AuditEntry.objects.get(level="warning", action="shout")
    assert warning.message.startswith("!yolo fired: shout 'wow' on item-1")
    assert warning.provenance == "llm"
    record = ActionRecord.objects.get()
    assert (record.status, record.yolo) == ("done", True)


def test_executed_actions_are_audited_with_what_they_did(steward):
    configure(steward, automations=[TAG_INTERESTING], options={"count": 1})
    run_pipeline()
    entry = AuditEntry.objects.get(action="tag")
    assert entry.message.startswith("tagged item 1 with hot (tag 'hot' on item-1, automation #1")
    assert (entry.item_key, entry.integration_id, entry.provenance) == ("item-1", "dummy.one", "llm")


def test_an_unsafe_rule_that_slipped_past_the_save_gate_is_blocked_at_run_time(steward):
    configure(steward, automations=[TAG_INTERESTING], options={"count": 1})
    unsafe = {"when": {"classification.interesting": "> 0.5"}, "then": {"shout": "no!"}}
    PlatformConfig.objects.update(automations=[unsafe])  # bypasses validation, like a raw DB edit
    run_pipeline()
    assert effects("shout") == []
    record = ActionRecord.objects.get(action="shout")
    assert record.status == "blocked"
    assert "irreversible" in record.summary
    entry = AuditEntry.objects.get(action="shout", level="warning")
    assert entry.message.startswith("Blocked shout 'no!' on item-1")
    assert Run.objects.get().actions_blocked == 1


def test_running_the_pipeline_twice_runs_each_action_once(steward):
    configure(steward, automations=[SHOUT_FIRST, TAG_INTERESTING])
    run_pipeline()
    run_pipeline()
    assert len(effects("shout")) == 1
    assert len(effects("tag")) == 3


def test_a_volatile_change_re_evaluates_without_re_running_done_actions(steward):
    moody = {"when": {"mood": "happy"}, "then": {"tag": "happy"}}
    configure(steward, automations=[SHOUT_FIRST, moody], options={"count": 2, "mood": "grumpy"})
    run_pipeline()
    PlatformConfig.objects.update(options={"count": 2, "mood": "happy"})
    ran = run_pipeline()
    types = [t.type for t in ran]
    assert "dummy.items.collect" not in types
    assert "dummy.items.classify" not in types
    assert types.count("dummy.items.evaluate") == 1
    assert len(classifier.CALLS) == 2  # the first run only: volatile fields are not content
    assert len(effects("shout")) == 1
    assert [e["n"] for e in effects("tag")] == [1, 2]


def test_a_template_that_fails_for_an_item_records_a_failed_action(steward):
    broken = {"when": {"n": 1}, "then": {"tag": "{{ n // 0 }}"}}
    configure(steward, automations=[broken], options={"count": 1})
    run_pipeline()
    record = ActionRecord.objects.get()
    assert record.status == "failed"
    assert "template failed" in record.error
    assert Run.objects.get().actions_failed == 1


def test_an_edited_rule_runs_again_but_a_moved_one_does_not(steward):
    configure(steward, automations=[SHOUT_FIRST], options={"count": 1})
    run_pipeline()
    configure(steward, automations=[TAG_INTERESTING, SHOUT_FIRST], options={"count": 1})
    run_pipeline()
    assert len(effects("shout")) == 1
    edited = {"when": {"n": 1}, "then": {"shout": "first, again!"}}
    configure(steward, automations=[TAG_INTERESTING, edited], options={"count": 1})
    run_pipeline()
    assert [e["text"] for e in effects("shout")] == ["first!", "first, again!"]


def test_act_tasks_run_at_priority_7_in_batches(steward):
    configure(steward, automations=[SHOUT_FIRST, {"when": {}, "then": {"tag": "seen"}}], classifications={})
    run_pipeline()
    (act,) = Task.objects.filter(type="dummy.items.act")
    assert act.priority == 7
    assert len(act.payload["items"]) == 3


def test_a_hard_reversible_action_on_llm_provenance_runs_with_an_audited_warning(steward, monkeypatch):
    from dataclasses import replace

    from integrations.base import Tier
    from tests.plugins import dummy

    actions = dummy.INTEGRATION_TYPE.platforms["items"].actions
    monkeypatch.setitem(actions, "tag", replace(actions["tag"], tier=Tier.HARD))
    configure(steward, automations=[TAG_INTERESTING], options={"count": 1})
    run_pipeline()
    assert len(effects("tag")) == 1
    warning = AuditEntry.objects.get(level="warning", action="tag")
    assert warning.message.startswith("Safety warning: tag 'hot' on item-1 is hard_reversible")
