"""Replay, pure: what a rule set would have done to stored items, and where that differs from
what actually happened (docs/SAFETY.md "Replay").

It calls the very evaluation the live pipeline uses (:func:`orchestrator.rules.evaluate.evaluate`)
on each item's stored snapshot and classification, so a replay plans exactly what a live run of
the same rules would. "Happened" is the item's done ledger actions. Items whose stored fields do
not carry what a rule reads (the platform changed its fields since) cannot match; the report
says how many, per rule and field, rather than guessing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orchestrator.rules.actions import ActionKind
from orchestrator.rules.automations import CompiledAutomation
from orchestrator.rules.evaluate import evaluate
from orchestrator.rules.planned import PlannedAction
from orchestrator.rules.provenance import CLASSIFICATION_NAMESPACE, namespace


def signature(action: str, argument: Any = None) -> str:
    """An action as replay compares it: ``archive``, ``move_to "Receipts"``, ``label "bug"``."""
    if argument is None:
        return action
    return f"{action} {json.dumps(argument, sort_keys=True, default=str)}"


def planned_signature(planned: PlannedAction) -> str:
    # As the ledger names it (orchestrator/actions/intents.ledger_action; that module needs the ORM).
    action = f"script:{planned.name}" if planned.kind is ActionKind.SCRIPT else planned.name
    return signature(action, planned.argument if planned.argument is not None else (planned.inputs or None))


@dataclass(frozen=True)
class StoredItem:
    key: str
    snapshot: Any
    classification: Any
    happened: frozenset[str] = frozenset()  # signatures of its done ledger actions


@dataclass
class RuleReplay:
    label: str
    shadow: bool
    would: list[tuple[str, str]] = field(default_factory=list)  # (item key, action signature)
    new: list[tuple[str, str]] = field(default_factory=list)  # would do it; it did not happen
    missing: dict[str, int] = field(default_factory=dict)  # field it reads → items lacking it

    @property
    def matched(self) -> int:
        return len({key for key, _ in self.would})


@dataclass
class ReplayReport:
    items: int
    rules: list[RuleReplay]
    stopped: list[tuple[str, str]]  # happened, and no rule of this set would do it now
    errors: tuple[str, ...] = ()

    def warnings(self) -> list[str]:
        return [
            f"{rule.label}: {count} item(s) have no {name!r} (the platform changed its fields since "
            "they were stored?), so this rule cannot match them"
            for rule in self.rules
            for name, count in sorted(rule.missing.items())
        ]


def _missing_fields(automation: CompiledAutomation, item: StoredItem) -> list[str]:
    snapshot = item.snapshot if isinstance(item.snapshot, dict) else {}
    classification = item.classification if isinstance(item.classification, dict) else {}
    lacking = []
    for condition in automation.conditions:
        top = namespace(condition.key)
        if top == CLASSIFICATION_NAMESPACE:
            name = condition.key.split(".", 1)[1] if "." in condition.key else ""
            if name and name not in classification:
                lacking.append(condition.key)
        elif top not in snapshot:
            lacking.append(top)
    return lacking


def replay(
    items: Iterable[StoredItem],
    automations: tuple[CompiledAutomation, ...],
    *,
    now: datetime,
    errors: tuple[str, ...] = (),
) -> ReplayReport:
    """Evaluate *automations* over *items*, per rule; never raises for any stored value."""
    rules = {a.index: RuleReplay(a.label, a.shadow) for a in automations}
    stopped: list[tuple[str, str]] = []
    count = 0
    for item in items:
        count += 1
        planned = evaluate(item.snapshot, item.classification, automations, now=now)
        planned_now = set()
        for action in planned:
            sig = planned_signature(action)
            planned_now.add(sig)
            rule = rules[action.rule_index if action.rule_index is not None else -1]
            rule.would.append((item.key, sig))
            if sig not in item.happened:
                rule.new.append((item.key, sig))
        for automation in automations:
            for name in _missing_fields(automation, item):
                missing = rules[automation.index].missing
                missing[name] = missing.get(name, 0) + 1
        stopped.extend((item.key, sig) for sig in sorted(item.happened - planned_now))
    return ReplayReport(count, list(rules.values()), stopped, errors)
