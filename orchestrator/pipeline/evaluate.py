"""The evaluate stage: the pure rules engine over a batch of items, then act for what matched."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from orchestrator.actions.intents import rule_digest
from orchestrator.models import Item, Task
from orchestrator.models.config import script_reversibility, service_reversibility
from orchestrator.pipeline.context import task_context
from orchestrator.pipeline.next_stage import BATCH_SIZE, act_enqueue, evaluate_classified_enqueue
from orchestrator.pipeline.platform_rules import platform_rules
from orchestrator.rules.automations import compile_automations
from orchestrator.rules.evaluate import evaluate as evaluate_rules

logger = logging.getLogger(__name__)


def _batch(task: Task, integration_id: str, platform: str) -> list[Item]:
    """The payload's ``items``, or (``classified``) the next items classified since last evaluated."""
    items = Item.objects.filter(
        integration_id=integration_id, platform=platform, status=Item.Status.ACTIVE, snapshot__isnull=False
    )
    if "items" in task.payload:
        return list(items.filter(pk__in=task.payload["items"]).order_by("pk"))
    waiting = items.filter(classified_at__isnull=False).filter(
        Q(evaluated_at__isnull=True) | Q(evaluated_at__lt=F("classified_at"))
    )
    return list(waiting.order_by("pk")[:BATCH_SIZE])


def _mark_evaluated(items: list[Item]) -> None:
    # Only up to the classification we read: a newer one meanwhile stays waiting for the next batch.
    for item in items:
        if item.classified_at is not None:
            Item.objects.filter(pk=item.pk, classified_at=item.classified_at).update(
                evaluated_at=item.classified_at
            )


def evaluate(task: Task) -> dict[str, Any]:
    """Plan the actions of every matching automation for a batch of items.

    The batch is the payload's ``items``, or — for the task queued by classify — up to
    ``BATCH_SIZE`` items classified since they were last evaluated (queueing itself again while
    more wait).

    Pure evaluation (no network): snapshot + classification + automations → planned actions, each
    with its own rule's provenance and a digest of that rule (its identity in the action ledger).
    Re-running over unchanged items is harmless: the ledger never repeats a done action.
    """
    ctx = task_context(task.payload)
    rules = platform_rules(ctx)
    compiled = compile_automations(
        rules.automations,
        platform=ctx.spec,
        classifications=rules.classifications,
        scripts=script_reversibility(),
        services=service_reversibility(),
    )
    for error in compiled.errors:  # saved before a change elsewhere broke it; it cannot run
        logger.warning("%s/%s: %s (skipped)", ctx.integration_id, ctx.platform, error)
    items = _batch(task, ctx.integration_id, ctx.platform)
    now = timezone.now()
    entries = []
    planned = 0
    for item in items:
        actions = [
            {**action.as_payload(), "rule_key": rule_digest(rules.automations[action.rule_index])}
            for action in evaluate_rules(
                item.snapshot, item.classification or {}, compiled.automations, now=now
            )
        ]
        if actions:
            entries.append({"item": item.pk, "actions": actions})
            planned += len(actions)
    act_tasks = act_enqueue(ctx, entries, task.run, priority=task.priority) if entries else 0
    _mark_evaluated(items)
    if "items" not in task.payload and len(items) == BATCH_SIZE:
        evaluate_classified_enqueue(ctx, rules, task.run, after_priority=task.priority)  # more wait
    return {"evaluated": len(items), "planned": planned, "act_tasks": act_tasks}
