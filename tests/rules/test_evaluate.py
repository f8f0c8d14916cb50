"""Evaluation on the dummy platform: per-action provenance, rule order, rendering, totality."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrations.base import Tier
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.evaluate import evaluate
from orchestrator.rules.planned import PlannedAction
from orchestrator.rules.provenance import Provenance
from orchestrator.rules.safety import Decision, runtime_decision
from tests.rules.platforms import NOW, compile_dummy

ITEM = {"n": 1, "title": "Item 1", "tags": ["odd"]}


def plan(automations: list[dict[str, Any]], classification: Any, snapshot: Any = ITEM) -> list[PlannedAction]:
    compiled = compile_dummy(automations)
    assert compiled.errors == ()
    return evaluate(snapshot, classification, compiled.automations, now=NOW)


def decide(action: PlannedAction) -> Decision:
    return runtime_decision(action, action.provenance, action.tier)


def test_a_rule_shout_and_an_unrelated_llm_tag_are_both_allowed() -> None:
    """Provenance is per action: the LLM rule's tag must not taint the deterministic shout."""
    actions = plan(
        [
            {"when": {"n": 1}, "then": {"shout": "hi"}},
            {"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "maybe"}},
        ],
        {"interesting": 0.9},
    )
    assert [(a.name, a.provenance) for a in actions] == [("shout", Provenance.RULE), ("tag", Provenance.LLM)]
    assert [decide(a) for a in actions] == [Decision.ALLOW, Decision.ALLOW]


def test_an_llm_shout_that_slipped_past_save_is_blocked_at_run_time() -> None:
    [action] = plan(
        [{"when": {"classification.interesting": 0.5}, "then": {"shout": "hi"}}], {"interesting": 1}
    )
    assert (action.provenance, action.tier, action.yolo) == (Provenance.LLM, Tier.IRREVERSIBLE, False)
    assert decide(action) is Decision.BLOCK


def test_on_blocked_ask_turns_the_block_into_a_question() -> None:
    rule = {"when": {"classification.interesting": "> 0.5"}, "then": {"shout": "hi"}, "on_blocked": "ask"}
    [action] = plan([rule], {"interesting": 0.9})
    assert action.on_blocked == "ask"
    assert decide(action) is Decision.ASK


def test_yolo_lets_it_through_with_a_warning() -> None:
    rule = {"when": {"classification.interesting": "> 0.5"}, "then": {"yolo": {"shout": "hi"}}}
    [action] = plan([rule], {"interesting": 0.9})
    assert action.yolo
    assert decide(action) is Decision.ALLOW_WITH_WARNING


def test_mixed_conditions_give_hybrid_provenance() -> None:
    [action] = plan(
        [{"when": {"n": 1, "classification.urgent": True}, "then": {"tag": "x"}}], {"urgent": True}
    )
    assert action.provenance is Provenance.HYBRID


def test_every_matching_rule_contributes_in_order() -> None:
    actions = plan(
        [
            {"when": {}, "then": [{"tag": "first"}, {"tag": "second"}], "name": "always"},
            {"when": {"n": 2}, "then": {"tag": "never"}},
            {"when": {"tags": {"contains": "odd"}}, "then": {"tag": "odd"}},
        ],
        {},
    )
    assert [(a.argument, a.rule_index, a.rule_name) for a in actions] == [
        ("first", 0, "always"),
        ("second", 0, "always"),
        ("odd", 2, ""),
    ]


def test_arguments_and_inputs_are_rendered_per_item() -> None:
    rules = [
        {
            "when": {"n": 1},
            "then": [
                {"tag": "{{ tags }}"},
                {"script": {"name": "notify", "inputs": {"subject": "About {{ title }}", "n": "{{ n }}"}}},
                {
                    "service": {
                        "call": "dummy.one.echo",
                        "inputs": {"text": "{{ title }}"},
                        "human_log": "Echo {{ n }}",
                    }
                },
            ],
        }
    ]
    tag, script, service = plan(rules, {})
    assert tag.argument == ["odd"]
    assert (script.kind, script.inputs) == (ActionKind.SCRIPT, {"subject": "About Item 1", "n": 1})
    assert (service.kind, service.inputs, service.human_log) == (
        ActionKind.SERVICE,
        {"text": "Item 1"},
        "Echo 1",
    )


def test_classification_values_are_available_to_templates() -> None:
    [action] = plan([{"when": {}, "then": {"tag": "{{ classification.kind }}"}}], {"kind": "b"})
    assert action.argument == "b"


def test_a_template_failing_for_one_item_marks_the_action_not_the_evaluation() -> None:
    [action] = plan([{"when": {}, "then": {"tag": "{{ n / 0 }}"}}], {})
    assert action.error is not None
    assert "ZeroDivisionError" in action.error


def test_nothing_matches_on_a_garbage_classification() -> None:
    rules = [{"when": {"classification.urgent": True}, "then": {"tag": "x"}}]
    for classification in (None, "yes", [True], {"urgent": "true"}, {"urgent": 1}, {"urgent": None}, {}):
        assert plan(rules, classification) == []


def test_a_naive_now_is_taken_as_utc() -> None:
    compiled = compile_dummy([{"when": {"created": "< now()"}, "then": {"tag": "old"}}])
    snapshot = {"created": "2025-01-15T11:59:00Z"}
    assert evaluate(snapshot, {}, compiled.automations, now=datetime(2025, 1, 15, 12, 0))


def test_planned_actions_serialise_to_plain_json() -> None:
    [action] = plan([{"when": {"n": 1}, "then": {"shout": "hi"}}], {})
    assert action.to_payload() == {
        "kind": "platform",
        "name": "shout",
        "provenance": "rule",
        "tier": "irreversible",
        "yolo": False,
        "on_blocked": None,
        "rule": "automation #1",
        "rule_index": 0,
        "rule_name": "",
        "rule_key": "",
        "argument": "hi",
        "inputs": {},
        "human_log": "",
        "on_result": None,
        "error": None,
        "approval": None,
        "taint": [],
        "shadow": False,
    }
    assert PlannedAction.from_payload(action.to_payload()) == action
