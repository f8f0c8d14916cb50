"""Durations as people write them in config: ``90s``, ``30m``, ``2h``, ``7d``, ``1w``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """Parse ``<integer><unit>``; raise ValueError naming the accepted forms otherwise."""
    match = _PATTERN.match(str(text))
    if not match:
        raise ValueError(
            f"{text!r} is not a duration: write a whole number and a unit, e.g. 90s, 30m, 2h, 7d or 1w"
        )
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2).lower()])
