"""Wire timestamps: ISO-8601 UTC with microseconds and ``+00:00`` (docs/API.md)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None
