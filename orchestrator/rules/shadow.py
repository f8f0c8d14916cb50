"""Shadow agreement, pure: did the person do what a shadow automation would have done?

A shadow row's ``observed`` list holds what ``check`` saw the person do to its item afterwards
(:class:`integrations.base.Observed`, as JSON). A row *agrees* when one observed change amounts to
its action, *disagrees* when the person changed the item some other way, and is *unknown* while
nothing was seen. Per automation the figures are counted over its rows (docs/SAFETY.md).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.base import Observed


class Verdict(enum.StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    UNKNOWN = "unknown"


def observation_json(observed: Observed, *, at: str) -> dict[str, Any]:
    return {
        "change": observed.change,
        "agrees_with": sorted(observed.agrees_with),
        "reverses": sorted(observed.reverses),
        "argument": observed.argument,
        "at": at,
    }


def _names(observation: Mapping[str, Any], key: str, action: str, argument: Any) -> bool:
    names = observation.get(key)
    if not isinstance(names, list) or action not in names:
        return False
    wanted = observation.get("argument")
    return wanted is None or wanted == argument


def agrees(observation: Mapping[str, Any], action: str, argument: Any) -> bool:
    """Does this observed change amount to *action* (with *argument*)?"""
    return _names(observation, "agrees_with", action, argument)


def reverses(observation: Mapping[str, Any], action: str, argument: Any) -> bool:
    """Does this observed change take back a done *action* (with *argument*)?"""
    return _names(observation, "reverses", action, argument)


def verdict(action: str, argument: Any, observed: Any) -> Verdict:
    """One shadow row's verdict from its ``observed`` list (anything malformed counts as unseen)."""
    seen = [o for o in observed if isinstance(o, Mapping)] if isinstance(observed, list) else []
    if any(agrees(o, action, argument) for o in seen):
        return Verdict.AGREE
    return Verdict.DISAGREE if seen else Verdict.UNKNOWN


@dataclass(frozen=True)
class ShadowRow:
    """What the figures need of one shadow ledger row."""

    item_id: int | None
    action: str
    argument: Any
    observed: Any


@dataclass(frozen=True)
class Agreement:
    items: int  # distinct items the automation matched
    actions: int  # would-have actions (rows)
    agree: int
    disagree: int
    unknown: int

    @property
    def rate(self) -> float | None:
        """Agreement among the rows with a verdict; ``None`` before anything was seen."""
        decided = self.agree + self.disagree
        return self.agree / decided if decided else None

    def describe(self) -> str:
        rate = "n/a" if self.rate is None else f"{self.rate:.0%}"
        return (
            f"{self.items} item(s), {self.actions} would-have action(s): {self.agree} agreed, "
            f"{self.disagree} disagreed, {self.unknown} unknown (agreement {rate})"
        )


def agreement(rows: Iterable[ShadowRow]) -> Agreement:
    items: set[int | None] = set()
    counts = dict.fromkeys(Verdict, 0)
    total = 0
    for row in rows:
        items.add(row.item_id)
        counts[verdict(row.action, row.argument, row.observed)] += 1
        total += 1
    return Agreement(
        items=len(items),
        actions=total,
        agree=counts[Verdict.AGREE],
        disagree=counts[Verdict.DISAGREE],
        unknown=counts[Verdict.UNKNOWN],
    )
