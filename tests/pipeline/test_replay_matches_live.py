"""Property: over random rule sets and items, a replay of the rules a live run just applied finds
nothing that did not happen and nothing that happened but would not now — replay and the live
pipeline (check → collect → classify → evaluate → act, through the real queue) agree."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.actions.replay import replay_integration
from orchestrator.models import ActionRecord, Integration, Item
from orchestrator.rules.automations import rule_digest
from tests.hypothesis_profiles import examples
from tests.pipeline.driving import configure, run_pipeline
from tests.plugins import classifier
from tests.plugins.dummy import effects_path

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CONDITIONS: list[tuple[str, Any]] = [
    ("n", 1),
    ("n", [2, 3]),
    ("n", "> 2"),
    ("title", {"matches": "item 1*"}),
    ("tags", {"contains": "odd"}),
    ("classification.interesting", "> 0.5"),
    ("classification.interesting", "< 0.5"),
]
ACTIONS: list[Any] = [{"tag": "hot"}, {"tag": "{{ title }}"}, {"tag": "n{{ n }}"}]
rule_sets = st.lists(
    st.fixed_dictionaries(
        {
            "when": st.lists(st.sampled_from(CONDITIONS), max_size=2).map(dict),
            "then": st.sampled_from(ACTIONS) | st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2),
        },
        optional={"mode": st.just("shadow")},
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(automations=rule_sets, count=st.integers(1, 5), interesting=st.sampled_from([0.1, 0.9]))
def test_replaying_the_rules_a_live_run_applied_reports_no_difference(
    steward: Integration, automations: list[dict[str, Any]], count: int, interesting: float
) -> None:
    ActionRecord.objects.all().delete()
    Item.objects.all().delete()
    effects_path("dummy.one").unlink(missing_ok=True)
    classifier.DEFAULT_CONFIDENCE = interesting
    try:
        configure(steward, automations=automations, options={"count": count})
        run_pipeline()
    finally:
        classifier.DEFAULT_CONFIDENCE = 0.9
    [found] = replay_integration("dummy.one")
    report = found.report
    assert report.items == count
    live = [rule for rule in report.rules if not rule.shadow]
    assert [rule.new for rule in live] == [[] for _ in live]  # everything it plans happened live
    assert report.stopped == []  # everything that happened live it plans
    # and each shadow rule recorded exactly what replay says it would do, under its definition's
    # key: an exact copy of an earlier rule shares that rule's rows (and a save-time warning)
    for rule, definition in zip(report.rules, automations, strict=True):
        if rule.shadow:
            recorded = ActionRecord.objects.filter(status="shadow", rule_key=rule_digest(definition)).count()
            assert recorded == len(set(rule.would))
