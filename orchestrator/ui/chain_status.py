"""The audit chain's status for the logs page: ``audit_log --verify``'s verdict, cached briefly.

A full verification walks every entry; the page reuses a verdict while the chain's head is
unchanged and the verdict is younger than ``FRESH_S`` (``?verify=1`` forces a fresh walk), so
the page stays fast on a long log. An edit in the middle is therefore seen within ``FRESH_S``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from orchestrator.audit.chain import Verdict, verify_chain
from orchestrator.models import AuditHead

FRESH_S = 300
CACHE_KEY = "ui:audit-verdict"


@dataclass(frozen=True)
class ChainStatus:
    verdict: Verdict
    checked_at: float  # time.time() of the walk

    @property
    def age_s(self) -> int:
        return int(time.time() - self.checked_at)


def chain_status(*, fresh: bool = False) -> ChainStatus:
    head = AuditHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
    cached = None if fresh else cache.get(CACHE_KEY)
    if cached is not None and cached[0] == head:
        return ChainStatus(cached[1], cached[2])
    status = ChainStatus(verify_chain(), time.time())
    cache.set(CACHE_KEY, (head, status.verdict, status.checked_at), FRESH_S)
    return status
