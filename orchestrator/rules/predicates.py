"""The compiled tests behind conditions: small value objects answering ``holds(value, now)``.

Each is total: a value of the wrong type simply does not hold. Equality follows the person's
intent rather than JSON's coercions — ``true`` is not ``1``, and ``"1"`` is not ``1``.
"""

from __future__ import annotations

import fnmatch
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}


class Test(Protocol):
    def holds(self, value: Any, now: datetime) -> bool: ...


def is_number(value: Any) -> bool:
    """A finite int or float; booleans never count as numbers."""
    if isinstance(value, bool):
        return False
    # ints are always finite (and math.isfinite would overflow on huge ones)
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def same(value: Any, expected: Any, fold_case: bool = False) -> bool:
    """Equality without JSON's type coercions (``True == 1`` is not a match here)."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected
    if isinstance(expected, int | float):
        return is_number(value) and value == expected
    if isinstance(value, str) and isinstance(expected, str):
        return value.casefold() == expected.casefold() if fold_case else value == expected
    return False


def as_datetime(value: Any) -> datetime | None:
    """A timezone-aware datetime from a datetime, date or ISO string (naive means UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)  # noqa: DTZ001 - made aware below
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Equals:
    expected: Any
    fold_case: bool = False

    def holds(self, value: Any, now: datetime) -> bool:
        return same(value, self.expected, self.fold_case)


@dataclass(frozen=True)
class OneOf:
    options: tuple[Any, ...]
    fold_case: bool = False

    def holds(self, value: Any, now: datetime) -> bool:
        return any(same(value, option, self.fold_case) for option in self.options)


@dataclass(frozen=True)
class Compare:
    op: str
    threshold: float
    bounds: tuple[float, float] | None = None  # values outside are invalid and never match

    def holds(self, value: Any, now: datetime) -> bool:
        if not is_number(value):
            return False
        if self.bounds and not self.bounds[0] <= value <= self.bounds[1]:
            return False
        return OPERATORS[self.op](value, self.threshold)


@dataclass(frozen=True)
class DateCompare:
    op: str
    offset: timedelta | None = None  # relative to now() when set
    moment: datetime | None = None  # a fixed date otherwise

    def holds(self, value: Any, now: datetime) -> bool:
        moment = as_datetime(value)
        if moment is None:
            return False
        target = self.moment if self.moment is not None else now + (self.offset or timedelta())
        return OPERATORS[self.op](moment, target)


@dataclass(frozen=True)
class Contains:
    expected: Any
    fold_case: bool = False

    def holds(self, value: Any, now: datetime) -> bool:
        return isinstance(value, list | tuple) and any(same(v, self.expected, self.fold_case) for v in value)


@dataclass(frozen=True)
class Matches:
    glob: str

    def holds(self, value: Any, now: datetime) -> bool:
        return isinstance(value, str) and fnmatch.fnmatchcase(value.casefold(), self.glob.casefold())


@dataclass(frozen=True)
class Regex:
    pattern: re.Pattern[str]

    def holds(self, value: Any, now: datetime) -> bool:
        return isinstance(value, str) and self.pattern.search(value) is not None
