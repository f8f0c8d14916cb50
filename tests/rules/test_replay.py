"""Replay plans exactly what a live evaluation of the same rules would, and reports the rest."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.rules.evaluate import evaluate
from orchestrator.rules.replay import StoredItem, planned_signature, replay
from tests.hypothesis_profiles import examples
from tests.rules.platforms import NOW, compile_dummy
from tests.rules.test_properties import classifications, compiled, rules, snapshots

shadowed = rules.flatmap(lambda r: st.sampled_from([r, {**r, "mode": "shadow"}]))


@settings(max_examples=examples(200), deadline=None)
@given(
    automations=st.lists(shadowed, max_size=4),
    items=st.lists(st.tuples(snapshots, classifications), max_size=8),
)
def test_replay_plans_what_a_live_evaluation_of_the_same_rules_plans(
    automations: list[dict[str, Any]], items: list[tuple[Any, Any]]
) -> None:
    rule_set = compiled(automations)
    live = [
        [(f"k{i}", planned_signature(p)) for p in evaluate(snap, cls, rule_set, now=NOW)]
        for i, (snap, cls) in enumerate(items)
    ]
    stored = [StoredItem(f"k{i}", snap, cls) for i, (snap, cls) in enumerate(items)]
    report = replay(stored, rule_set, now=NOW)
    assert sorted(pair for rule in report.rules for pair in rule.would) == sorted(
        pair for planned in live for pair in planned
    )
    # What happened live is exactly what replay plans: no difference is reported.
    happened = [StoredItem(s.key, s.snapshot, s.classification, frozenset(sig for _, sig in planned))
                for s, planned in zip(stored, live, strict=True)]  # fmt: skip
    again = replay(happened, rule_set, now=NOW)
    assert [rule.new for rule in again.rules] == [[] for _ in again.rules]
    assert again.stopped == []


def test_a_done_action_the_edited_rules_would_not_do_is_reported_as_stopped() -> None:
    rule_set = compile_dummy([{"when": {"n": 1}, "then": {"tag": "one"}}]).automations
    items = [StoredItem("a", {"n": 2, "title": "x", "tags": []}, {}, frozenset({'tag "old"'}))]
    report = replay(items, rule_set, now=NOW)
    assert report.stopped == [("a", 'tag "old"')]
    assert report.rules[0].would == []


def test_items_whose_platform_changed_its_fields_are_counted_not_guessed() -> None:
    rule_set = compile_dummy([{"name": "ones", "when": {"n": 1}, "then": {"tag": "one"}}]).automations
    items = [
        StoredItem("old", {"number": 1, "title": "renamed field"}, {}),
        StoredItem("new", {"n": 1, "title": "x", "tags": []}, {}),
        StoredItem("garbage", "not a snapshot", None),
    ]
    report = replay(items, rule_set, now=NOW)
    assert report.rules[0].would == [("new", 'tag "one"')]
    assert report.warnings() == [
        "automation #1 ('ones'): 2 item(s) have no 'n' (the platform changed its fields since they "
        "were stored?), so this rule cannot match them"
    ]
