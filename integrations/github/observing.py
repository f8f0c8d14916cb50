"""Labels someone added or removed between two checks, for shadow agreement (docs/GITHUB.md).

Steward's own ``label``/``unlabel`` actions are told apart by the core (it skips a change a done
action of the same name explains), so what is left was done by someone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from integrations.base import Observed

JSON = dict[str, Any]


def _labels(fields: JSON) -> set[str]:
    value = fields.get("labels")
    return {label for label in value if isinstance(label, str)} if isinstance(value, list) else set()


def observe(before: JSON | None, after: JSON | None) -> Iterable[Observed]:
    """``github.*``'s observed changes: one per label added or removed."""
    if before is None or after is None:
        return []  # closed, merged or reopened: no action of ours agrees with or reverses that
    was, now = _labels(before), _labels(after)
    added = [
        Observed(f"label {name!r} added", frozenset({"label"}), frozenset({"unlabel"}), name)
        for name in sorted(now - was)
    ]
    removed = [
        Observed(f"label {name!r} removed", frozenset({"unlabel"}), frozenset({"label"}), name)
        for name in sorted(was - now)
    ]
    return added + removed
