"""Stage task handlers. Task types are ``{type}.{platform}.{stage}``; a resolver maps them here."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction

from integrations import registry
from integrations.base import IntegrationError
from orchestrator.models import Item, Run, Task
from orchestrator.pipeline.context import StageContext, stage_context
from orchestrator.queue import enqueue
from orchestrator.queue.handlers import HandlerSpec, add_resolver
from orchestrator.runs import run_count
from orchestrator.triggers import TriggerError, integration_lookup

BATCH_SIZE = 50
COLLECT_PRIORITY = 3


def _context(payload: dict[str, Any]) -> StageContext:
    try:
        integration = integration_lookup(payload["integration"])
    except TriggerError as exc:
        raise IntegrationError(f"{exc.detail} (deleted since the task was queued?)", permanent=True) from None
    platform = payload["platform"]
    if platform not in integration.enabled_platform_names():
        raise IntegrationError(
            f"Platform '{platform}' is no longer enabled in '{integration}'", permanent=True
        )
    return stage_context(integration, platform)


def content_hash(snapshot: dict[str, Any], volatile: frozenset[str]) -> str:
    stable = {key: value for key, value in snapshot.items() if key not in volatile}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()


def check(task: Task) -> dict[str, Any]:
    """Entry stage: discover what is there now, reconcile, queue collect for new/changed items."""
    ctx = _context(task.payload)
    run = Run.objects.create(integration_id=ctx.integration_id, platform=ctx.platform)
    Task.objects.filter(pk=task.pk).update(run=run)
    items = Item.objects.filter(integration_id=ctx.integration_id, platform=ctx.platform)
    known = {item.key: item for item in items}
    discovered = list(ctx.spec.check(ctx, {key: item.fields for key, item in known.items()}))
    seen_keys = {d.key for d in discovered}
    to_collect: list[int] = []
    new = 0
    with transaction.atomic():
        for found in discovered:
            item = known.get(found.key)
            if item is None:
                item = Item.objects.create(
                    integration_id=ctx.integration_id,
                    platform=ctx.platform,
                    key=found.key,
                    fields=found.fields,
                )
                new += 1
                to_collect.append(item.pk)
                continue
            stable_changed = content_hash(found.fields, ctx.spec.volatile_fields) != content_hash(
                item.fields, ctx.spec.volatile_fields
            )
            if item.status == Item.Status.SYNCED or found.fields != item.fields:
                item.status = Item.Status.ACTIVE
                item.fields = found.fields
                item.save(update_fields=["status", "fields", "last_seen"])
            if stable_changed or item.snapshot is None:
                to_collect.append(item.pk)
        gone = [
            key for key, item in known.items() if key not in seen_keys and item.status == Item.Status.ACTIVE
        ]
        Item.objects.filter(integration_id=ctx.integration_id, platform=ctx.platform, key__in=gone).update(
            status=Item.Status.SYNCED, llm_input=""
        )
        for start in range(0, len(to_collect), BATCH_SIZE):
            enqueue(
                f"{task.type.rsplit('.', 1)[0]}.collect",
                {**task.payload, "items": to_collect[start : start + BATCH_SIZE]},
                priority=COLLECT_PRIORITY,
                run=run,
            )
    run_count(run.pk, seen=len(discovered), new=new)
    return {
        "run": run.pk,
        "seen": len(discovered),
        "new": new,
        "synced": len(gone),
        "to_collect": len(to_collect),
    }


def collect(task: Task) -> dict[str, Any]:
    """Fetch and store snapshots (and the framed LLM input) for a batch of items."""
    ctx = _context(task.payload)
    items = {item.key: item for item in Item.objects.filter(pk__in=task.payload["items"])}
    collected = 0
    for got in ctx.spec.collect(ctx, sorted(items)):
        item = items.get(got.key)
        if item is None:
            continue
        item.snapshot = got.snapshot
        item.llm_input = got.llm_input
        item.low_trust = got.low_trust
        item.content_hash = content_hash(got.snapshot, ctx.spec.volatile_fields)
        item.save(update_fields=["snapshot", "llm_input", "low_trust", "content_hash", "last_seen"])
        collected += 1
    return {"collected": collected}


STAGES = {"check": (check, 300), "collect": (collect, 300)}


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
