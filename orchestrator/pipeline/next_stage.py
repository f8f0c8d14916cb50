"""Queueing the next pipeline stage, with its priority and batch size (SPEC §4, §5).

classify is one task per item (priority 6, 9 for low-trust items); evaluate and act carry batches
of up to :data:`BATCH_SIZE` items at priority 7. Every follow-up belongs to the caller's Run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from orchestrator.models import Item, Run, Task
from orchestrator.pipeline.context import StageContext
from orchestrator.pipeline.platform_rules import PlatformRules
from orchestrator.queue import enqueue

BATCH_SIZE = 50
CLASSIFY_PRIORITY = 6
LOW_TRUST_PRIORITY = 9
EVALUATE_PRIORITY = 7
ACT_PRIORITY = 7
# Evaluate-after-classify runs ahead of the classifications still queued, so the first actions show
# while the model works through a backlog; it waits this long first, so the classifications that
# finish meanwhile join its batch.
CLASSIFIED_PRIORITY = CLASSIFY_PRIORITY - 1


def stage_task_type(ctx: StageContext, stage: str) -> str:
    return f"{ctx.integration_id.split('.', 1)[0]}.{ctx.platform}.{stage}"


def _base(ctx: StageContext) -> dict[str, Any]:
    return {"integration": ctx.integration_id, "platform": ctx.platform}


def _batches(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), BATCH_SIZE):
        yield values[start : start + BATCH_SIZE]


def classify_enqueue(ctx: StageContext, items: Iterable[Item], run: Run | None) -> int:
    """One classify task per item; low-trust items wait behind everything else."""
    count = 0
    for item in items:
        priority = LOW_TRUST_PRIORITY if item.low_trust else CLASSIFY_PRIORITY
        enqueue(stage_task_type(ctx, "classify"), {**_base(ctx), "item": item.pk}, priority=priority, run=run)
        count += 1
    return count


def evaluate_enqueue(
    ctx: StageContext, rules: PlatformRules, item_pks: Sequence[int], run: Run | None
) -> int:
    """Evaluate in batches; the payload names the automation set it was queued for."""
    batches = list(_batches(sorted(item_pks)))
    for batch in batches:
        enqueue(
            stage_task_type(ctx, "evaluate"),
            {**_base(ctx), "items": list(batch), "rules": rules.automations_hash},
            priority=EVALUATE_PRIORITY,
            run=run,
        )
    return len(batches)


def _gather_s() -> float:
    return float(getattr(settings, "STEWARD_EVALUATE_GATHER_S", 10.0))


def evaluate_classified_enqueue(
    ctx: StageContext, rules: PlatformRules, run: Run | None, *, after_priority: int = EVALUATE_PRIORITY
) -> Task:
    """Queue evaluate for every item classified since it was last evaluated, in batches.

    The payload names no items, so while one such task is pending every further classification
    joins it (dedup). After normal-trust work it runs at :data:`CLASSIFIED_PRIORITY`, ahead of the
    classifications still queued, but only ``STEWARD_EVALUATE_GATHER_S`` (10) seconds after it was
    queued: a backlog of a thousand classifications yields an evaluate batch (and act batches, one
    source session each) every ten seconds plus one classification, not one per item, and the
    first actions appear seconds after the first answers instead of after the last. With the
    setting at 0 (the tests) it waits behind the whole backlog instead: a handful of batches. Behind
    low-trust work (priority 9) it waits at that priority, so it runs after the classifications
    queued before it instead of once per item.
    """
    gather_s = _gather_s()
    ahead = after_priority <= CLASSIFY_PRIORITY and gather_s > 0
    return enqueue(
        stage_task_type(ctx, "evaluate"),
        {**_base(ctx), "classified": True, "rules": rules.automations_hash},
        priority=CLASSIFIED_PRIORITY if ahead else max(EVALUATE_PRIORITY, after_priority),
        run=run,
        not_before=timezone.now() + timedelta(seconds=gather_s) if ahead else None,
    )


def rules_changed_since_evaluated(ctx: StageContext, rules: PlatformRules) -> bool:
    """Were the automations edited since this platform's items were last evaluated?

    Read from the latest evaluate task's payload: a pruned history just means one extra,
    harmless re-evaluation (the ledger never repeats a done action).
    """
    latest = (
        Task.objects.filter(type=stage_task_type(ctx, "evaluate"), payload__integration=ctx.integration_id)
        .order_by("-id")
        .values_list("payload", flat=True)
        .first()
    )
    return latest is None or latest.get("rules") != rules.automations_hash


def act_enqueue(
    ctx: StageContext, entries: Sequence[dict[str, Any]], run: Run | None, *, priority: int = ACT_PRIORITY
) -> int:
    """*entries* are ``{"item": pk, "actions": [PlannedAction payloads]}``; *priority* at most
    :data:`ACT_PRIORITY` (an evaluate that ran ahead of a backlog passes its own)."""
    batches = list(_batches(entries))
    for batch in batches:
        enqueue(
            stage_task_type(ctx, "act"),
            {**_base(ctx), "items": list(batch)},
            priority=min(ACT_PRIORITY, priority),
            run=run,
        )
    return len(batches)
