"""Queue policies (dedup, rate limit) applied to every enqueue, whatever its origin."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import timedelta

from orchestrator.durations import parse_duration


@dataclass(frozen=True)
class Policy:
    deduplicate_pending: bool = True
    rate_limit_max: int | None = None
    rate_limit_per: timedelta | None = None


def policy_for(task_type: str) -> Policy:
    """The default policy overlaid with the most specific matching override (exact beats glob)."""
    from orchestrator.models import QueuePolicy, QueueSettings

    defaults = QueueSettings.load()
    dedup = defaults.deduplicate_pending
    limit_max = defaults.rate_limit_max
    limit_per = defaults.rate_limit_per
    overrides = sorted(
        (p for p in QueuePolicy.objects.all() if fnmatch.fnmatchcase(task_type, p.task_type)),
        key=lambda p: (p.task_type == task_type, len(p.task_type)),
    )
    for override in overrides:  # least specific first, so the most specific wins
        if override.deduplicate_pending is not None:
            dedup = override.deduplicate_pending
        if override.rate_limit_max:
            limit_max, limit_per = override.rate_limit_max, override.rate_limit_per
    return Policy(
        deduplicate_pending=dedup,
        rate_limit_max=limit_max or None,
        rate_limit_per=parse_duration(limit_per) if limit_max and limit_per else None,
    )
