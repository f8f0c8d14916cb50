"""Queue policies (dedup, rate limit) applied to every enqueue, whatever its origin.

The policy rows are read once per process and kept for :data:`CACHE_S` seconds: two queries
per enqueue were a third of its cost. A save or delete in this process forgets them at once; an
edit in another process (the admin in the web process) reaches the workers within
:data:`CACHE_S`.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from orchestrator.durations import parse_duration


@dataclass(frozen=True)
class Policy:
    deduplicate_pending: bool = True
    rate_limit_max: int | None = None
    rate_limit_per: timedelta | None = None


CACHE_S = 5.0

_lock = threading.Lock()
_cache: dict[str, Policy] = {}
_cached_at = 0.0
_listening = False


def policies_forget(*args: Any, **kwargs: Any) -> None:
    """Read the policy rows again at the next enqueue (a signal receiver; tests call it too)."""
    global _cached_at
    with _lock:
        _cache.clear()
        _cached_at = 0.0


def _listen() -> None:
    global _listening
    from django.db.models.signals import post_delete, post_save

    from orchestrator.models import QueuePolicy, QueueSettings

    for model in (QueuePolicy, QueueSettings):
        for signal in (post_save, post_delete):
            signal.connect(policies_forget, sender=model, dispatch_uid=f"queue-policies-{model.__name__}")
    _listening = True


def policy_for(task_type: str) -> Policy:
    """The default policy overlaid with the most specific matching override (exact beats glob)."""
    global _cached_at
    if not _listening:
        _listen()
    now = time.monotonic()
    with _lock:
        if now - _cached_at >= CACHE_S:
            _cache.clear()
            _cached_at = now
        cached = _cache.get(task_type)
    if cached is not None:
        return cached
    policy = _policy_read(task_type)
    with _lock:
        _cache[task_type] = policy
    return policy


def _policy_read(task_type: str) -> Policy:
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
