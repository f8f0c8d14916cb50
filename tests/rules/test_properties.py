"""The safety invariants (docs/SAFETY.md), proved by property: for all classification values (wrong types,
out-of-range numbers, missing keys, None, strings for booleans) and generated automations, evaluation
never raises, only produces declared actions, never more than the matched rules name, and never lets
an irreversible non-yolo action from LLM provenance through the runtime gate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.base import Tier
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.automations import CompiledAutomation
from orchestrator.rules.evaluate import evaluate
from orchestrator.rules.planned import PlannedAction
from orchestrator.rules.provenance import Provenance
from orchestrator.rules.safety import Decision, as_tier, runtime_decision
from tests.hypothesis_profiles import examples
from tests.rules.platforms import DUMMY, NOW, SCRIPTS, SERVICES, compile_dummy

# Most of tests/rules' time: `make test-fast` leaves them out, the full run proves them at length.
pytestmark = pytest.mark.slow
PROPERTY = settings(max_examples=examples(500), deadline=None)

ALLOWED = (Decision.ALLOW, Decision.ALLOW_WITH_WARNING)
UNTRUSTED = (Provenance.LLM, Provenance.HYBRID)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.just(10**400) | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
garbage = (
    st.sampled_from([1.5, -1, float("nan"), float("inf"), 10**400, "true", "0.9", "HIGH", 1, 0]) | json_values
)
answers = st.fixed_dictionaries(
    {
        "interesting": st.floats(0, 1) | st.sampled_from([0, 0.5, 1]),
        "urgent": st.booleans(),
        "kind": st.sampled_from(["a", "b", "c"]),
    }
)
classifications = st.one_of(
    answers,  # well-typed, so LLM rules match and the gate is exercised
    st.tuples(answers, st.dictionaries(st.sampled_from(["interesting", "urgent", "kind"]), garbage)).map(
        lambda pair: {**pair[0], **pair[1]}  # some answers of the wrong type or out of range
    ),
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),  # other names
    json_values,  # not even a mapping
)
snapshots = st.one_of(
    st.fixed_dictionaries(
        {"n": st.integers(0, 3), "title": st.sampled_from(["Item 1", "x"]), "tags": st.just(["odd"])},
        optional={
            "created": st.sampled_from(["2025-01-01T00:00:00Z", "2026-01-01", "soon"]),
            "unknown": st.just({"field": "x"}),
        },
    ),
    st.fixed_dictionaries({"n": json_values, "title": json_values}, optional={"tags": json_values}),
    json_values,
)

CONDITIONS: list[tuple[str, Any]] = [
    ("classification.interesting", 0.5),
    ("classification.interesting", "> .5"),
    ("classification.interesting", "< 0.2"),
    ("classification.interesting", "!= 0"),
    ("classification.urgent", True),
    ("classification.urgent", False),
    ("classification.kind", "a"),
    ("classification.kind", ["a", "b"]),
    ("n", 1),
    ("n", [1, 2]),
    ("n", "> 1"),
    ("n", "!= 99"),
    ("title", "Item 1"),
    ("title", {"matches": "item*"}),
    ("title", {"regex": r"\d"}),
    ("tags", {"contains": "odd"}),
    ("created", "< now() - 1d"),
    ("unknown.field", "x"),
]
BASE_ACTIONS: list[Any] = [
    {"tag": "{{ title }}"},
    {"tag": "{{ classification.kind }}"},
    {"shout": "hi"},
    {"shout": "{{ classification.interesting }} {{ n / 2 }}"},
    {"script": "notify"},
    {"script": {"name": "tidy", "inputs": {"n": "{{ n }}"}}},
    {"service": {"call": "dummy.one.echo", "inputs": {"text": "{{ title }}"}, "human_log": "{{ tags }}"}},
]
actions = st.sampled_from(BASE_ACTIONS).flatmap(lambda a: st.sampled_from([a, {"yolo": a}]))
rules = st.fixed_dictionaries(
    {
        "when": st.lists(st.sampled_from(CONDITIONS), max_size=3).map(dict),
        "then": actions | st.lists(actions, min_size=1, max_size=3),
    },
    optional={"on_blocked": st.just("ask"), "name": st.text(max_size=5)},
)


def compiled(automations: list[dict[str, Any]]) -> tuple[CompiledAutomation, ...]:
    result = compile_dummy(automations)
    assert result.errors == ()  # every generated rule is well-formed; safety is judged at run time
    return result.automations


DECLARED = {(ActionKind.PLATFORM, name) for name in DUMMY.actions}
DECLARED |= {(ActionKind.SCRIPT, name) for name in SCRIPTS}
DECLARED |= {(ActionKind.SERVICE, name) for name in SERVICES}


@dataclass
class Case:
    """One generated item under generated automations: what every property below evaluates."""

    automations: list[dict[str, Any]]
    classification: Any
    snapshot: Any

    def planned(self, rules: Iterable[CompiledAutomation] | None = None) -> list[PlannedAction]:
        """What evaluation plans for this item under *rules* (by default the automations, compiled)."""
        chosen = compiled(self.automations) if rules is None else rules
        return evaluate(self.snapshot, self.classification, chosen, now=NOW)


# Every property over generated automations (at least one: SOME_RULES), classifications and snapshots.
ANY_RULES = given(
    case=st.builds(
        Case, automations=st.lists(rules, max_size=5), classification=classifications, snapshot=snapshots
    )
)
SOME_RULES = given(
    case=st.builds(
        Case,
        automations=st.lists(rules, min_size=1, max_size=5),
        classification=classifications,
        snapshot=snapshots,
    )
)


@PROPERTY
@ANY_RULES
def test_evaluation_never_raises_and_only_produces_declared_actions(case: Case) -> None:
    for action in case.planned():
        assert (action.kind, action.name) in DECLARED


@PROPERTY
@ANY_RULES
def test_evaluation_never_produces_more_actions_than_the_matched_rules_name(case: Case) -> None:
    rules_ = compiled(case.automations)
    matched = {rule.index: rule for rule in rules_ if rule.matches(case.snapshot, case.classification, NOW)}
    planned = case.planned(rules_)
    assert len(planned) <= sum(len(rule.actions) for rule in matched.values())
    for index, count in Counter(action.rule_index for action in planned).items():
        assert index in matched
        assert count <= len(matched[index].actions)
    for action in planned:
        named = {(a.kind, a.name, a.yolo) for a in matched[action.rule_index].actions}
        assert (action.kind, action.name, action.yolo) in named


@PROPERTY
@SOME_RULES
def test_provenance_is_the_producing_rules_own(case: Case) -> None:
    by_index = {rule.index: rule for rule in compiled(case.automations)}
    for action in case.planned(by_index.values()):
        assert action.provenance is by_index[action.rule_index].provenance


@PROPERTY
@SOME_RULES
def test_no_irreversible_llm_action_passes_the_runtime_gate_without_yolo(case: Case) -> None:
    for action in case.planned():
        decision = runtime_decision(action, action.provenance, action.tier)
        if action.tier is Tier.IRREVERSIBLE and action.provenance in UNTRUSTED and not action.yolo:
            assert decision is (Decision.ASK if action.on_blocked == "ask" else Decision.BLOCK)
        payload = action.to_payload()  # the same verdict for the task payload a runner receives
        assert runtime_decision(payload, payload["provenance"], payload["tier"]) is decision


@PROPERTY
@given(
    flags=st.dictionaries(st.sampled_from(["yolo", "on_blocked"]), json_values | st.just("ask"))
    | json_values,
    provenance=st.sampled_from(list(Provenance)) | json_values,
    tier=st.sampled_from(list(Tier)) | json_values,
)
def test_the_runtime_gate_only_allows_irreversible_actions_from_rules_people_or_yolo(
    flags: Any, provenance: Any, tier: Any
) -> None:
    decision = runtime_decision(flags, provenance, tier)
    if decision in ALLOWED and as_tier(tier) is Tier.IRREVERSIBLE:
        yolo = isinstance(flags, dict) and flags.get("yolo") is True
        assert provenance in ("rule", "human") or yolo
