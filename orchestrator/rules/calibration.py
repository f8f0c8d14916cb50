"""Calibration from corrections, pure: which ``confidence`` threshold would have kept the person's
kept actions and avoided the ones they corrected (docs/SAFETY.md "Calibration").

A *sample* is one automation action on an item with a confidence classification: *kept* (done,
never taken back) or *corrected* (undone, its approval rejected, or reversed by hand). Per
classification the figures are the two value distributions (ten buckets over 0–1) and a
suggested threshold: among the observed values, the one that avoids the most corrections while
keeping at least :data:`KEEP_TARGET` of the kept actions, in whichever direction (``>=`` or
``<=``) avoids more. A suggestion is only words: nothing is ever applied automatically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

KEEP_TARGET = 0.95
BUCKETS = 10


@dataclass(frozen=True)
class Sample:
    classification: str
    value: float
    corrected: bool


@dataclass(frozen=True)
class Suggestion:
    classification: str
    operator: str  # ">=" or "<="
    threshold: float
    avoided: int
    corrected: int
    kept: int
    kept_total: int

    @property
    def kept_share(self) -> float:
        return self.kept / self.kept_total if self.kept_total else 1.0

    def describe(self) -> str:
        return (
            f"`{self.classification} {self.operator} {self.threshold:g}` would have avoided "
            f"{self.avoided} of {self.corrected} corrections and kept {self.kept_share:.0%} of kept actions"
        )


@dataclass(frozen=True)
class Calibration:
    classification: str
    kept: tuple[int, ...]  # counts per bucket [0, 0.1), [0.1, 0.2) … [0.9, 1]
    corrected: tuple[int, ...]
    suggestion: Suggestion | None


def bucket(value: float) -> int:
    return min(int(value * BUCKETS), BUCKETS - 1)


def _histogram(values: Iterable[float]) -> tuple[int, ...]:
    counts = [0] * BUCKETS
    for value in values:
        counts[bucket(value)] += 1
    return tuple(counts)


def _best(name: str, kept: list[float], corrected: list[float], operator: str) -> Suggestion | None:
    best: Suggestion | None = None
    for threshold in sorted(set(kept) | set(corrected)):
        if operator == ">=":
            avoided = sum(v < threshold for v in corrected)
            still = sum(v >= threshold for v in kept)
        else:
            avoided = sum(v > threshold for v in corrected)
            still = sum(v <= threshold for v in kept)
        candidate = Suggestion(name, operator, threshold, avoided, len(corrected), still, len(kept))
        if avoided == 0 or candidate.kept_share < KEEP_TARGET:
            continue
        if best is None or (avoided, still) > (best.avoided, best.kept):
            best = candidate
    return best


def suggest(name: str, kept: list[float], corrected: list[float]) -> Suggestion | None:
    """The threshold that avoids most corrections keeping ≥ KEEP_TARGET of kept actions, or None."""
    found = [s for op in (">=", "<=") if (s := _best(name, kept, corrected, op)) is not None]
    return max(found, key=lambda s: (s.avoided, s.kept, s.operator == ">="), default=None)


def calibrate(samples: Iterable[Sample]) -> list[Calibration]:
    """Per classification (sorted by name): distributions of kept vs corrected, and a suggestion."""
    kept: dict[str, list[float]] = {}
    corrected: dict[str, list[float]] = {}
    for sample in samples:
        if not 0.0 <= sample.value <= 1.0:
            continue  # a confidence outside 0–1 is not one (the LLM answered nonsense)
        kept.setdefault(sample.classification, [])
        corrected.setdefault(sample.classification, [])
        (corrected if sample.corrected else kept)[sample.classification].append(sample.value)
    return [
        Calibration(
            name,
            _histogram(kept[name]),
            _histogram(corrected[name]),
            suggest(name, kept[name], corrected[name]),
        )
        for name in sorted(kept)
    ]
