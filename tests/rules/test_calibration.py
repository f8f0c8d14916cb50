"""Calibration figures from a fixture of corrections, checked against a table computed by hand."""

from __future__ import annotations

from orchestrator.rules.calibration import Sample, calibrate, suggest

# urgency on 12 kept and 4 corrected actions (the fixture):
KEPT = [0.95, 0.9, 0.9, 0.88, 0.87, 0.86, 0.92, 0.97, 0.99, 0.91, 0.93, 0.85]
CORRECTED = [0.4, 0.55, 0.7, 0.86]
# By hand, for "urgency >= t" with t among the values:
#   t = 0.85: avoids 0.4, 0.55, 0.7 → 3 of 4; keeps all 12 kept (100 %)
#   t = 0.86: avoids 3 of 4; keeps 11 of 12 (92 %) — below the 95 % target
#   t = 0.87: avoids all 4 (0.86 < 0.87) but keeps only 10 of 12 (83 %)
# so the suggestion is "urgency >= 0.85": 3 of 4 avoided, 100 % kept.
# Buckets (0.1 wide): kept → 12 in [0.8, 1.0): 0.8x: 0.88 0.87 0.86 0.85 = 4; 0.9x: 8.
#                     corrected → 0.4: 1, 0.5: 1, 0.7: 1, 0.8: 1.


def samples() -> list[Sample]:
    return [Sample("urgency", v, False) for v in KEPT] + [Sample("urgency", v, True) for v in CORRECTED]


def test_the_distributions_match_the_hand_counted_buckets() -> None:
    [found] = calibrate(samples())
    assert found.classification == "urgency"
    assert found.kept == (0, 0, 0, 0, 0, 0, 0, 0, 4, 8)
    assert found.corrected == (0, 0, 0, 0, 1, 1, 0, 1, 1, 0)


def test_the_suggested_threshold_is_the_hand_computed_one() -> None:
    [found] = calibrate(samples())
    suggestion = found.suggestion
    assert suggestion is not None
    assert (suggestion.operator, suggestion.threshold) == (">=", 0.85)
    assert (suggestion.avoided, suggestion.corrected, suggestion.kept, suggestion.kept_total) == (
        3,
        4,
        12,
        12,
    )
    assert suggestion.describe() == (
        "`urgency >= 0.85` would have avoided 3 of 4 corrections and kept 100% of kept actions"
    )


def test_a_rule_on_low_values_gets_a_less_or_equal_suggestion() -> None:
    # human < …: kept on low values, corrected on higher ones
    found = suggest("human", [0.05, 0.1, 0.1, 0.15], [0.3, 0.6])
    assert found is not None
    assert (found.operator, found.threshold, found.avoided) == ("<=", 0.15, 2)


def test_no_suggestion_without_corrections_and_nonsense_values_are_ignored() -> None:
    [found] = calibrate([Sample("risk", 0.5, False), Sample("risk", 7.0, True)])
    assert found.suggestion is None
    assert sum(found.corrected) == 0
