"""Labels someone else added or removed, as GitHub's observed changes."""

from __future__ import annotations

from integrations.github.observing import observe
from integrations.github.plugin import ISSUES, PULL_REQUESTS


def test_both_platforms_declare_the_observer() -> None:
    assert ISSUES.observe is observe
    assert PULL_REQUESTS.observe is observe


def test_each_label_added_or_removed_is_one_change_with_its_name() -> None:
    found = observe({"labels": ["bug", "old"]}, {"labels": ["bug", "triage"]})
    assert [(o.change, o.agrees_with, o.reverses, o.argument) for o in found] == [
        ("label 'triage' added", frozenset({"label"}), frozenset({"unlabel"}), "triage"),
        ("label 'old' removed", frozenset({"unlabel"}), frozenset({"label"}), "old"),
    ]


def test_closing_reopening_or_odd_fields_report_nothing() -> None:
    assert list(observe({"labels": ["bug"]}, None)) == []
    assert list(observe(None, {"labels": ["bug"]})) == []
    assert list(observe({"labels": "bug"}, {"labels": None})) == []
