"""The classify stage: one LLM call per item for all of its platform's classifications.

Questions a deterministic feature of the item decides (:mod:`.rule_answers`: a noreply sender,
bulk mail, a CI sender) are answered by that rule; the model is asked the rest.
The call goes through one seam, :data:`CLASSIFIER` (``orchestrator.llm.classify``), overridable by
dotted path with the ``STEWARD_CLASSIFIER`` setting — tests point it at a deterministic fake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations.base import ClassificationSpec, IntegrationError
from orchestrator.egress.scope import egress_scope
from orchestrator.json_schema import schema_errors
from orchestrator.llm.breaker import LLMCircuitOpen
from orchestrator.models import Item, LLMProfile, Task
from orchestrator.pipeline.context import task_context
from orchestrator.pipeline.item_audit import audit_classified
from orchestrator.pipeline.next_stage import evaluate_classified_enqueue, evaluate_enqueue
from orchestrator.pipeline.outage import run_outage_noted, run_outage_over
from orchestrator.pipeline.platform_rules import PlatformRules, platform_rules
from orchestrator.pipeline.rule_answers import rule_answers
from orchestrator.rules.classifications import reply_schema
from orchestrator.rules.phases import Phase
from orchestrator.running.runs import run_count

CLASSIFIER = "orchestrator.llm.classify"

Classifier = Callable[..., dict[str, Any]]


def classifier() -> Classifier:
    """``classify(profile, framed_input, schema, *, priority) -> dict`` from the configured path."""
    return import_string(getattr(settings, "STEWARD_CLASSIFIER", "") or CLASSIFIER)


def _prompt_version() -> str:
    from orchestrator.llm import PROMPT_VERSION

    return PROMPT_VERSION


def _classified_by(item: Item, rules: PlatformRules) -> dict[str, Any]:
    assert rules.profile is not None
    return {
        "profile": rules.profile.name,
        "model": rules.profile.model,
        "at": timezone.now().isoformat(),
        "prompt_version": _prompt_version(),
        "content_hash": item.content_hash,
        "classifications": rules.classification_hash,
    }


def _earlier_twin_running(task: Task, item: Item) -> bool:
    """Is an older classify task for *item* running right now (a retried or re-queued twin)?

    Of two running at once the older one goes on, so exactly one asks the LLM; if it fails, it is
    retried itself (or re-run after its lease when its worker died), so nothing is lost.
    """
    return (
        Task.objects.filter(type=task.type, status=Task.Status.RUNNING, pk__lt=task.pk, payload__item=item.pk)
        .filter(payload__integration=item.integration_id)
        .exists()
    )


def answer_classifications(
    profile: LLMProfile,
    classifications: Mapping[str, ClassificationSpec],
    snapshot: Mapping[str, Any],
    llm_input: str,
    *,
    priority: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An item's values for every classification, and per name who answered (rule or model).

    Rules answer first; the model gets a schema of the remaining questions only (none left: no
    call). Used by the classify stage and by ``eval_classifier``.
    """
    decided = rule_answers(classifications, snapshot)
    answered_by: dict[str, Any] = {
        name: {"by": "rule", "rule": answer.rule} for name, answer in decided.items()
    }
    values: dict[str, Any] = {name: answer.value for name, answer in decided.items()}
    remaining = {name: spec for name, spec in classifications.items() if name not in decided}
    if remaining:
        from_model = classifier()(profile, llm_input, reply_schema(remaining), priority=priority)
        values.update(from_model)
        details = getattr(from_model, "answers", None) or {}
        for name in from_model:
            answered_by[name] = details.get(name) or {"by": "model"}
    ordered = {name: values[name] for name in classifications if name in values}
    return ordered, answered_by


def classify(task: Task) -> dict[str, Any]:
    """Classify one item (payload ``item``), store the values, then queue the batched evaluate.

    Skips items that are gone or already answered for this content and question set. Without an
    LLM profile on the integration the task fails permanently, saying where to set one. While the
    profile's circuit breaker is open the task waits, and the run's error says so
    (:mod:`orchestrator.pipeline.outage`).
    """
    ctx = task_context(task.payload)
    rules = platform_rules(ctx)
    item = Item.objects.filter(pk=task.payload["item"], status=Item.Status.ACTIVE).first()
    if item is None or item.snapshot is None:
        return {"skipped": "item gone or not collected"}
    if not rules.needs_classification(item):
        if rules.decides:
            evaluate_enqueue(ctx, rules, [item.pk], task.run, phase=Phase.LLM)
        return {"skipped": "already classified for this content and these questions"}
    if _earlier_twin_running(task, item):
        return {"skipped": "an earlier task is classifying this item now"}
    if rules.profile is None:
        raise IntegrationError(
            f"Integration '{ctx.integration_id}' has classifications for platform '{ctx.platform}' "
            "but no LLM profile: choose one on the integration in the admin (field 'llm')",
            permanent=True,
        )
    schema = reply_schema(rules.classifications)
    snapshot = item.snapshot if isinstance(item.snapshot, dict) else {}
    try:
        with egress_scope(item_id=item.pk, integration_id=ctx.integration_id):
            values, answered_by = answer_classifications(
                rules.profile, rules.classifications, snapshot, item.llm_input, priority=task.priority
            )
    except LLMCircuitOpen as exc:  # the task waits (its attempt given back); the run says why
        run_outage_noted(ctx, task.run_id, str(exc))
        raise
    run_outage_over(ctx, task.run_id, rules.profile.name)
    problems = schema_errors(values, schema)
    if problems:  # the LLM layer validates too; what is stored must never be off-schema
        raise IntegrationError(
            f"classifier reply does not match the schema: {'; '.join(problems)}", permanent=True
        )
    item.classification = values
    item.classified_by = {**_classified_by(item, rules), "answers": answered_by}
    item.classified_at = timezone.now()
    item.save(update_fields=["classification", "classified_by", "classified_at", "last_seen"])
    run_count(task.run_id, classified=1)
    audit_classified(item, values, rules.profile.name, answered_by)
    evaluate_classified_enqueue(ctx, rules, task.run, after_priority=task.priority)
    return {"classified": item.pk, "values": values}
