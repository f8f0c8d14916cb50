"""Stage task handlers. Task types are ``{type}.{platform}.{stage}``; a resolver maps them here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations import registry
from orchestrator.audit import AuditNote, audit_many
from orchestrator.models import Item, Run, Task
from orchestrator.pipeline.act import act
from orchestrator.pipeline.classify import classify
from orchestrator.pipeline.context import StageContext, task_context
from orchestrator.pipeline.evaluate import evaluate, has_deterministic_automations
from orchestrator.pipeline.item_audit import discovered_note
from orchestrator.pipeline.next_stage import (
    classify_enqueue,
    collect_enqueue,
    evaluate_enqueue,
    rules_changed_since_evaluated,
)
from orchestrator.pipeline.observed import observations_record
from orchestrator.pipeline.platform_rules import PlatformRules, platform_rules
from orchestrator.pipeline.storable import storable
from orchestrator.queue.handlers import HandlerSpec, add_resolver
from orchestrator.rules.phases import Phase
from orchestrator.running.runs import run_count


def content_hash(snapshot: dict[str, Any], volatile: frozenset[str]) -> str:
    stable = {key: value for key, value in snapshot.items() if key not in volatile}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()


def _volatile_refresh(item: Item, fields: dict[str, Any], volatile: frozenset[str]) -> bool:
    """Copy changed volatile fields seen at check into the snapshot; True when one changed.

    Volatile fields (read flags, labels, counts) never change the content hash, so such an item is
    not collected or classified again — but it is evaluated again with the fresh values.
    """
    if item.snapshot is None:
        return False
    fresh = {
        key: storable(fields[key])
        for key in volatile
        if key in fields and item.snapshot.get(key) != fields[key]
    }
    if fresh:
        item.snapshot = {**item.snapshot, **fresh}
    return bool(fresh)


@dataclass
class CheckPlan:
    collect: list[int] = field(default_factory=list)
    evaluate: list[int] = field(default_factory=list)
    classify: list[Item] = field(default_factory=list)
    new: int = 0


def _reconcile(ctx: StageContext, rules: PlatformRules, item: Item, found: Any, plan: CheckPlan) -> None:
    """One known item seen again: restore it, refresh volatile fields, and plan what it needs."""
    volatile = ctx.spec.volatile_fields
    if item.status == Item.Status.SYNCED or found.fields != item.fields:  # what the person did
        observations_record(
            ctx, item, None if item.status == Item.Status.SYNCED else item.fields, found.fields
        )
    stable_changed = content_hash(found.fields, volatile) != content_hash(item.fields, volatile)
    if item.status == Item.Status.SYNCED or found.fields != item.fields:
        refreshed = not stable_changed and _volatile_refresh(item, found.fields, volatile)
        item.status = Item.Status.ACTIVE
        item.fields = found.fields
        item.save(update_fields=["status", "fields", "snapshot", "last_seen"])
        if refreshed and rules.decides:
            plan.evaluate.append(item.pk)
    if stable_changed or item.snapshot is None:
        plan.collect.append(item.pk)
    elif rules.needs_classification(item):
        plan.classify.append(item)  # the questions changed since it was last answered


def _everything_else(ctx: StageContext, plan: CheckPlan) -> list[int]:
    """Every collected active item not already on its way to collect or classify."""
    busy = set(plan.collect) | {item.pk for item in plan.classify}
    collected = Item.objects.filter(
        integration_id=ctx.integration_id,
        platform=ctx.platform,
        status=Item.Status.ACTIVE,
        snapshot__isnull=False,
    )
    return [pk for pk in collected.values_list("pk", flat=True) if pk not in busy]


def _queue_plan(task: Task, ctx: StageContext, rules: PlatformRules, plan: CheckPlan, run: Run) -> None:
    collect_enqueue(ctx, plan.collect, run)
    if rules.decides and rules_changed_since_evaluated(ctx, rules):
        plan.evaluate = _everything_else(ctx, plan)
    classify_with_deterministic_first(ctx, rules, plan.classify, run)
    evaluate_enqueue(ctx, rules, plan.evaluate, run)


def classify_with_deterministic_first(
    ctx: StageContext, rules: PlatformRules, items: list[Item], run: Run | None
) -> list[Item]:
    """Queue classify (except for items already being classified: that task reads the item as it is
    now), and beside it the automations that need no classification for every one of *items*, so
    they act on the current content at once, even while the LLM is slow or down."""
    queued = classify_enqueue(ctx, items, run)
    if items and has_deterministic_automations(ctx, rules):
        evaluate_enqueue(ctx, rules, [item.pk for item in items], run, phase=Phase.DETERMINISTIC)
    return queued


def check(task: Task) -> dict[str, Any]:
    """Entry stage: discover what is there now, reconcile, queue collect for new/changed items.

    Items whose only change is in volatile fields go straight to evaluate; items whose
    classification questions changed go straight to classify; when the automations changed since
    the last evaluation, every other item is evaluated again.
    """
    ctx = task_context(task.payload)
    # A retried entry task keeps the run it started, so no run is left "running" forever.
    run = task.run or Run.objects.create(integration_id=ctx.integration_id, platform=ctx.platform)
    Task.objects.filter(pk=task.pk).update(run=run)
    ctx = replace(ctx, run_id=run.pk)  # so the source can count items it could not read
    rules = platform_rules(ctx)
    items = Item.objects.filter(integration_id=ctx.integration_id, platform=ctx.platform)
    known = {item.key: item for item in items}
    discovered = [
        replace(found, fields=storable(found.fields))
        for found in ctx.spec.check(ctx, {key: item.fields for key, item in known.items()})
    ]
    seen_keys = {d.key for d in discovered}
    plan = CheckPlan()
    with transaction.atomic():
        new = []
        for found in discovered:
            item = known.get(found.key)
            if item is None:
                new.append(
                    Item(
                        integration_id=ctx.integration_id,
                        platform=ctx.platform,
                        key=found.key,
                        fields=found.fields,
                    )
                )
            else:
                _reconcile(ctx, rules, item, found, plan)
        # One INSERT for what is new (SQLite ≥ 3.35 and PostgreSQL return the new pks).
        created = Item.objects.bulk_create(new)
        plan.new += len(created)
        plan.collect.extend(item.pk for item in created)
        gone = [
            key for key, item in known.items() if key not in seen_keys and item.status == Item.Status.ACTIVE
        ]
        for key in gone:
            observations_record(ctx, known[key], known[key].fields, None)
        Item.objects.filter(integration_id=ctx.integration_id, platform=ctx.platform, key__in=gone).update(
            status=Item.Status.SYNCED, llm_input=""
        )
        _queue_plan(task, ctx, rules, plan, run)
    run_count(run.pk, seen=len(discovered), new=plan.new)
    return {
        "run": run.pk,
        "seen": len(discovered),
        "new": plan.new,
        "synced": len(gone),
        "to_collect": len(plan.collect),
        "to_classify": len(plan.classify),
        "to_evaluate": len(plan.evaluate),
    }


def collect(task: Task) -> dict[str, Any]:
    """Fetch and store snapshots (and the framed LLM input) for a batch of items.

    Then each item goes on to classify (when its content or the questions changed since it was
    last classified; its deterministic automations are evaluated meanwhile) or straight to
    evaluate; a platform without automations stops here.
    """
    ctx = replace(task_context(task.payload), run_id=task.run_id)
    rules = platform_rules(ctx)
    items = {item.key: item for item in Item.objects.filter(pk__in=task.payload["items"])}
    collected: list[Item] = []
    discovered: list[AuditNote] = []
    now = timezone.now()
    for got in ctx.spec.collect(ctx, sorted(items)):
        item = items.get(got.key)
        if item is None:
            continue
        if item.snapshot is None:
            discovered.append(discovered_note(item))
        item.snapshot = storable(got.snapshot)
        item.llm_input = storable(got.llm_input)
        item.low_trust = got.low_trust
        item.content_hash = content_hash(item.snapshot, ctx.spec.volatile_fields)
        item.last_seen = now
        collected.append(item)
    # The batch in one UPDATE and one audit append, not three queries per item.
    Item.objects.bulk_update(collected, ["snapshot", "llm_input", "low_trust", "content_hash", "last_seen"])
    audit_many(discovered)
    to_classify = [item for item in collected if rules.needs_classification(item)]
    to_evaluate = [item.pk for item in collected if rules.decides and item not in to_classify]
    queued = classify_with_deterministic_first(ctx, rules, to_classify, task.run)
    evaluate_enqueue(ctx, rules, to_evaluate, task.run)
    return {"collected": len(collected), "to_classify": len(queued), "to_evaluate": len(to_evaluate)}


STAGES = {
    "check": (check, 300),
    "collect": (collect, 300),
    "classify": (classify, 600),
    "evaluate": (evaluate, 300),
    "act": (act, 300),
}


def resolve_stage(task_type: str) -> HandlerSpec | None:
    type_name, _, rest = task_type.partition(".")
    platform, _, stage = rest.partition(".")
    if stage not in STAGES or type_name not in registry.type_names():
        return None
    if platform not in registry.get(type_name).platforms:
        return None
    func, max_runtime = STAGES[stage]
    return HandlerSpec(task_type, func, max_runtime_s=max_runtime)


add_resolver(resolve_stage)
