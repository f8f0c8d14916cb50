"""The evaluate stage: the pure rules engine over a batch of items, then act for what matched."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from orchestrator.actions.intents import rule_digest
from orchestrator.models import Item, Task
from orchestrator.models.config import script_reversibility, service_reversibility
from orchestrator.pipeline.context import task_context
from orchestrator.pipeline.next_stage import act_enqueue
from orchestrator.pipeline.platform_rules import platform_rules
from orchestrator.rules.automations import compile_automations
from orchestrator.rules.evaluate import evaluate as evaluate_rules

logger = logging.getLogger(__name__)


def evaluate(task: Task) -> dict[str, Any]:
    """Plan the actions of every matching automation for each item (payload ``items``).

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
    items = Item.objects.filter(
        pk__in=task.payload["items"], status=Item.Status.ACTIVE, snapshot__isnull=False
    )
    now = timezone.now()
    entries = []
    planned = 0
    for item in items.order_by("pk"):
        actions = [
            {**action.as_payload(), "rule_key": rule_digest(rules.automations[action.rule_index])}
            for action in evaluate_rules(
                item.snapshot, item.classification or {}, compiled.automations, now=now
            )
        ]
        if actions:
            entries.append({"item": item.pk, "actions": actions})
            planned += len(actions)
    act_tasks = act_enqueue(ctx, entries, task.run) if entries else 0
    return {"evaluated": items.count(), "planned": planned, "act_tasks": act_tasks}
