"""The evaluate stage: the pure rules engine over a batch of items, then act for what matched."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from orchestrator.models import Item, Task
from orchestrator.models.config import script_reversibility, sensitive_inputs, service_reversibility
from orchestrator.pipeline.context import StageContext, task_context
from orchestrator.pipeline.next_stage import BATCH_SIZE, ActEntry, act_enqueue, evaluate_classified_enqueue
from orchestrator.pipeline.platform_rules import PlatformRules, platform_rules
from orchestrator.rules.automations import CompileResult, compile_automations, rule_digest
from orchestrator.rules.evaluate import evaluate as evaluate_rules
from orchestrator.rules.phases import Phase, in_phase
from orchestrator.rules.planned import PlannedAction

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
    """One UPDATE per distinct classification time (a classify batch shares one), and only up to
    the classification we read: a newer one meanwhile stays waiting for the next batch."""
    by_time: dict[Any, list[int]] = {}
    for item in items:
        if item.classified_at is not None:
            by_time.setdefault(item.classified_at, []).append(item.pk)
    for classified_at, pks in by_time.items():
        Item.objects.filter(pk__in=pks, classified_at=classified_at).update(evaluated_at=classified_at)


def _keyed(action: PlannedAction, automations: list[Any]) -> PlannedAction:
    """The action with its rule's ledger identity: a digest of the automation's definition."""
    if action.rule_index is None:
        return action
    return replace(action, rule_key=rule_digest(automations[action.rule_index]))


def task_phase(payload: dict[str, Any]) -> Phase | None:
    """Which automations a task evaluates: the classified batch the LLM-dependent ones, a task queued
    beside classify the deterministic ones, any other batch all of them."""
    if payload.get("classified"):
        return Phase.LLM
    named = payload.get("phase")
    return Phase(named) if named in tuple(Phase) else None


def compiled_automations(ctx: StageContext, rules: PlatformRules) -> CompileResult:
    return compile_automations(
        rules.automations,
        platform=ctx.spec,
        classifications=rules.classifications,
        scripts=script_reversibility(),
        services=service_reversibility(),
        sensitive=sensitive_inputs(),
        platform_shadow=rules.shadow,
    )


def has_deterministic_automations(ctx: StageContext, rules: PlatformRules) -> bool:
    """Is there an automation that can run before the item is classified?"""
    if not rules.decides:
        return False
    return bool(in_phase(compiled_automations(ctx, rules).automations, Phase.DETERMINISTIC))


def evaluate(task: Task) -> dict[str, Any]:
    """Plan the actions of every matching automation for a batch of items.

    The batch is the payload's ``items``, or — for the task queued by classify — up to
    ``BATCH_SIZE`` items classified since they were last evaluated (queueing itself again while
    more wait). The deterministic batch queued beside classify evaluates only the automations that
    need no classification, the classified batch only the others (``task_phase``), so each rule is
    evaluated once per collected content. An item whose classification is out of date (its content
    or the questions changed, the new answer still pending) gets only the deterministic ones.

    Pure evaluation (no network): snapshot + classification + automations → planned actions, each
    with its own rule's provenance and a digest of that rule (its identity in the action ledger).
    Re-running over unchanged items is harmless: the ledger never repeats a done action.
    """
    ctx = task_context(task.payload)
    rules = platform_rules(ctx)
    compiled = compiled_automations(ctx, rules)
    phase = task_phase(task.payload)
    automations = in_phase(compiled.automations, phase)
    deterministic = in_phase(automations, Phase.DETERMINISTIC)
    for error in compiled.errors:  # saved before a change elsewhere broke it; it cannot run
        logger.warning("%s/%s: %s (skipped)", ctx.integration_id, ctx.platform, error)
    items = _batch(task, ctx.integration_id, ctx.platform)
    now = timezone.now()
    entries: list[ActEntry] = []
    planned = 0
    for item in items:
        # A classification of older content (or none yet) must not decide: its LLM-dependent rules
        # wait for the new answer, which queues them again.
        usable = deterministic if rules.needs_classification(item) else automations
        actions = [
            _keyed(action, rules.automations).to_payload()
            for action in evaluate_rules(item.snapshot, item.classification or {}, usable, now=now)
        ]
        if actions:
            entries.append({"item": item.pk, "actions": actions})
            planned += len(actions)
    act_tasks = len(act_enqueue(ctx, entries, task.run, priority=task.priority)) if entries else 0
    if phase != Phase.DETERMINISTIC:  # the mark says "evaluated with this classification"
        _mark_evaluated(items)
    if "items" not in task.payload and len(items) == BATCH_SIZE:
        # More wait: a full batch is there already, so no gathering wait before it.
        evaluate_classified_enqueue(ctx, rules, task.run, after_priority=task.priority, gather=False)
    return {
        "evaluated": len(items),
        "phase": str(phase) if phase else "all",
        "planned": planned,
        "act_tasks": act_tasks,
    }
