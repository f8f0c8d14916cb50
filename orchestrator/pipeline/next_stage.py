"""Queueing pipeline stages: one function per stage, each with its priority and batch size.

Stage task types are ``{type}.{platform}.{stage}`` and only :func:`stage_task_type` spells them.
check is the entry task (priority 5, :func:`check_enqueue`, used by triggers); collect carries
batches of new or changed items (priority 3); classify carries batches too (priority 6, 9 for
low-trust items; the task asks the model about its items concurrently, up to the profile's
``max_concurrency``); evaluate and act carry batches of up to :data:`BATCH_SIZE` items at priority 7.
Every follow-up belongs to the caller's Run. See docs/ARCHITECTURE.md (the pipeline).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, Literal, Protocol, TypedDict

from django.conf import settings
from django.utils import timezone

from orchestrator.models import Item, Run, Task
from orchestrator.pipeline.platform_rules import PlatformRules
from orchestrator.queue.enqueue import enqueue
from orchestrator.rules.phases import Phase
from orchestrator.rules.planned import PlannedActionPayload

Stage = Literal["check", "collect", "classify", "evaluate", "act"]
BATCH_SIZE = 50
ENTRY_PRIORITY = 5
COLLECT_PRIORITY = 3
CLASSIFY_PRIORITY = 6
LOW_TRUST_PRIORITY = 9
EVALUATE_PRIORITY = 7
ACT_PRIORITY = 7
# Evaluate-after-classify runs ahead of the classifications still queued, so the first actions show
# while the model works through a backlog; it waits this long first, so the classifications that
# finish meanwhile join its batch.
CLASSIFIED_PRIORITY = CLASSIFY_PRIORITY - 1


class StageAddress(Protocol):
    """Which platform of which integration a stage task is for (a StageContext, an Item)."""

    @property
    def integration_id(self) -> str: ...

    @property
    def platform(self) -> str: ...


class ActEntry(TypedDict):
    """One item of an act task: its pk and the planned actions for it."""

    item: int
    actions: list[PlannedActionPayload]


def stage_task_type(where: StageAddress, stage: Stage) -> str:
    return f"{where.integration_id.split('.', 1)[0]}.{where.platform}.{stage}"


def _base(where: StageAddress) -> dict[str, Any]:
    return {"integration": where.integration_id, "platform": where.platform}


def _batches(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), BATCH_SIZE):
        yield values[start : start + BATCH_SIZE]


def check_enqueue(where: StageAddress) -> Task:
    """The entry task of a run; an identical pending one is returned instead (queue dedup)."""
    return enqueue(stage_task_type(where, "check"), _base(where), priority=ENTRY_PRIORITY)


def collect_enqueue(where: StageAddress, item_pks: Sequence[int], run: Run | None) -> int:
    """Collect new or changed items, in batches."""
    batches = list(_batches(list(item_pks)))
    for batch in batches:
        enqueue(
            stage_task_type(where, "collect"),
            {**_base(where), "items": list(batch)},
            priority=COLLECT_PRIORITY,
            run=run,
        )
    return len(batches)


def classify_items(payload: dict[str, Any]) -> list[int]:
    """The items a classify task is for (``item``: one queued before classify took batches)."""
    if "items" in payload:
        return [int(pk) for pk in payload["items"]]
    return [int(payload["item"])] if payload.get("item") is not None else []


def classifying_now(ctx: StageAddress, item_pks: Iterable[int], *, before: int | None = None) -> set[int]:
    """The items among *item_pks* whose classify task is already pending or running (with
    *before*: running, in a task older than that one).

    Queue dedup merges only with a *pending* twin; a trigger arriving while the classification
    runs would otherwise queue a second one and classify the item twice.
    """
    wanted = set(item_pks)
    if not wanted:
        return set()
    open_tasks = Task.objects.filter(
        type=stage_task_type(ctx, "classify"), payload__integration=ctx.integration_id
    )
    if before is None:
        open_tasks = open_tasks.filter(status__in=[Task.Status.PENDING, Task.Status.RUNNING])
    else:
        open_tasks = open_tasks.filter(status=Task.Status.RUNNING, pk__lt=before)
    busy: set[int] = set()
    for payload in open_tasks.values_list("payload", flat=True):
        busy.update(pk for pk in classify_items(payload) if pk in wanted)
    return busy


def classify_enqueue(ctx: StageAddress, items: Iterable[Item], run: Run | None) -> list[Item]:
    """Classify in batches (low-trust items in their own, waiting behind everything else), except
    for items already being classified. Returns the items queued."""
    items = list(items)
    busy = classifying_now(ctx, [item.pk for item in items])
    queued = [item for item in items if item.pk not in busy]
    for low_trust, priority in ((False, CLASSIFY_PRIORITY), (True, LOW_TRUST_PRIORITY)):
        pks = sorted(item.pk for item in queued if item.low_trust == low_trust)
        for batch in _batches(pks):
            enqueue(
                stage_task_type(ctx, "classify"),
                {**_base(ctx), "items": list(batch)},
                priority=priority,
                run=run,
            )
    return queued


def evaluate_enqueue(
    ctx: StageAddress,
    rules: PlatformRules,
    item_pks: Sequence[int],
    run: Run | None,
    *,
    phase: Phase | None = None,
) -> int:
    """Evaluate in batches; the payload names the automation set it was queued for.

    *phase* limits the batch to the deterministic automations (queued beside classify, so an LLM
    outage never holds them back) or to the LLM-dependent ones (orchestrator/rules/phases.py).
    Deterministic batches run ahead of the classifications (they cost no model time, and their
    acts inherit the priority), so the rules that need no LLM act within seconds of a check, not
    after the model has worked through the backlog.
    """
    batches = list(_batches(sorted(item_pks)))
    extra = {"phase": str(phase)} if phase is not None else {}
    priority = CLASSIFIED_PRIORITY if phase == Phase.DETERMINISTIC else EVALUATE_PRIORITY
    for batch in batches:
        enqueue(
            stage_task_type(ctx, "evaluate"),
            {**_base(ctx), "items": list(batch), "rules": rules.automations_hash, **extra},
            priority=priority,
            run=run,
        )
    return len(batches)


def _gather_s() -> float:
    return float(getattr(settings, "STEWARD_EVALUATE_GATHER_S", 10.0))


def evaluate_classified_enqueue(
    ctx: StageAddress,
    rules: PlatformRules,
    run: Run | None,
    *,
    after_priority: int = EVALUATE_PRIORITY,
    gather: bool = True,
) -> Task:
    """Queue evaluate for every item classified since it was last evaluated, in batches.

    Only the automations that wait for the LLM are evaluated: the deterministic ones were queued
    beside the item's classify task. The payload names no items, so while one such task is
    pending every further classification joins it (dedup). After normal-trust work it runs at
    :data:`CLASSIFIED_PRIORITY`, ahead of the classifications still queued, but only
    ``STEWARD_EVALUATE_GATHER_S`` (10) seconds after it was queued: a backlog of a thousand
    classifications yields an evaluate batch (and act batches, one source session each) every ten
    seconds plus one classification, not one per item, and the first actions appear seconds after
    the first answers instead of after the last. With the setting at 0 (the tests) it waits behind
    the whole backlog instead: a handful of batches. Behind low-trust work (priority 9) it waits at
    that priority, so it runs after the classifications queued before it instead of once per item.

    ``gather=False`` (a classify task that answered a batch, an evaluate batch that found more
    waiting): there is a batch to evaluate already, so it runs ahead at once, without the wait.
    """
    gather_s = _gather_s()
    ahead = after_priority <= CLASSIFY_PRIORITY and gather_s > 0
    if not gather:
        gather_s = 0.0
    return enqueue(
        stage_task_type(ctx, "evaluate"),
        {**_base(ctx), "classified": True, "rules": rules.automations_hash},
        priority=CLASSIFIED_PRIORITY if ahead else max(EVALUATE_PRIORITY, after_priority),
        run=run,
        not_before=timezone.now() + timedelta(seconds=gather_s) if ahead and gather_s else None,
    )


def rules_changed_since_evaluated(ctx: StageAddress, rules: PlatformRules) -> bool:
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
    where: StageAddress, entries: Sequence[ActEntry], run: Run | None, *, priority: int = ACT_PRIORITY
) -> list[Task]:
    """Act on *entries* in batches; *priority* at most :data:`ACT_PRIORITY` (an approved action is
    one entry at the approval's priority; an evaluate that ran ahead of a backlog passes its own)."""
    return [
        enqueue(
            stage_task_type(where, "act"),
            {**_base(where), "items": list(batch)},
            priority=min(ACT_PRIORITY, priority),
            run=run,
        )
        for batch in _batches(entries)
    ]
