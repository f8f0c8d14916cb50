"""The classify stage: one LLM call per item for all of its platform's classifications, a batch
of items per task, asked about concurrently up to the LLM profile's ``max_concurrency``.

Questions a deterministic feature of the item decides (:mod:`.rule_answers`: a noreply sender,
bulk mail, a CI sender) are answered by that rule; the model is asked the rest.
The call goes through one seam, :data:`CLASSIFIER` (``orchestrator.llm.classify``), overridable by
dotted path with the ``STEWARD_CLASSIFIER`` setting — tests point it at a deterministic fake.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations.base import ClassificationSpec, IntegrationError
from orchestrator.audit import audit_many
from orchestrator.egress.scope import egress_scope
from orchestrator.json_schema import schema_errors
from orchestrator.llm import concurrency
from orchestrator.llm.accounting import CallRows, accounted_together
from orchestrator.llm.breaker import LLMCircuitOpen
from orchestrator.llm.calls import slot_hold_s
from orchestrator.llm.errors import LLMBusy
from orchestrator.models import Item, LLMProfile, Task
from orchestrator.pipeline.context import StageContext, task_context
from orchestrator.pipeline.item_audit import classified_note
from orchestrator.pipeline.next_stage import (
    classify_items,
    classifying_now,
    evaluate_classified_enqueue,
    evaluate_enqueue,
)
from orchestrator.pipeline.outage import run_outage_noted, run_outage_over
from orchestrator.pipeline.platform_rules import PlatformRules, platform_rules
from orchestrator.pipeline.rule_answers import rule_answers
from orchestrator.queue.broker import background_slots
from orchestrator.queue.execution import is_permanent
from orchestrator.rules.classifications import reply_schema
from orchestrator.rules.phases import Phase
from orchestrator.running.runs import run_count

CLASSIFIER = "orchestrator.llm.classify"
# How often a classify task stores the answers it has so far (the first one at once).
FLUSH_EVERY_S = 2.0

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


@dataclass
class _Answered:
    values: dict[str, Any]
    answered_by: dict[str, Any]


@dataclass
class _Batch:
    """The items of one classify task, shared by the threads that ask the model about them."""

    pending: deque[Item]
    answered: dict[int, _Answered] = field(default_factory=dict)
    failed: list[tuple[Item, Exception]] = field(default_factory=list)  # permanent: the rest go on
    transient: Exception | None = None  # the first: the task is retried for what is left
    circuit_open: LLMCircuitOpen | None = None  # the breaker opened: nobody starts another item
    busy: LLMBusy | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    unstored: list[int] = field(default_factory=list)  # answered, not yet saved: in answer order
    calls: CallRows = field(default_factory=CallRows)  # accounting of answered calls, saved with them

    def next_item(self) -> Item | None:
        with self.lock:
            return self.pending.popleft() if self.pending and self.circuit_open is None else None

    def take_unstored(self) -> dict[int, _Answered]:
        with self.lock:
            taken = {pk: self.answered[pk] for pk in self.unstored}
            self.unstored.clear()
        return taken

    @property
    def retry_error(self) -> Exception | None:
        """What the task is retried with: the open breaker first (its attempt is given back)."""
        return self.circuit_open or self.transient


def _answer(ctx: StageContext, rules: PlatformRules, item: Item, priority: int) -> _Answered:
    assert rules.profile is not None
    snapshot = item.snapshot if isinstance(item.snapshot, dict) else {}
    with egress_scope(item_id=item.pk, integration_id=ctx.integration_id):
        values, answered_by = answer_classifications(
            rules.profile, rules.classifications, snapshot, item.llm_input, priority=priority
        )
    problems = schema_errors(values, reply_schema(rules.classifications))
    if problems:  # the LLM layer validates too; what is stored must never be off-schema
        raise IntegrationError(
            f"classifier reply does not match the schema: {'; '.join(problems)}", permanent=True
        )
    return _Answered(values, answered_by)


def _work(
    ctx: StageContext,
    rules: PlatformRules,
    batch: _Batch,
    priority: int,
    on_answer: Callable[[], None] = lambda: None,
    *,
    wait: bool = True,
) -> None:
    """Take items off the batch until none is left, holding one LLM slot throughout; *on_answer*
    runs after each answer (in the task's own thread: it may store what is answered so far).
    With *wait* false the thread works only if a slot is free at once (see :func:`_fair_share`)."""
    assert rules.profile is not None
    with concurrency.holding(rules.profile), accounted_together(batch.calls):
        if not wait and not concurrency.take_if_free(
            rules.profile, priority=priority, hold_s=slot_hold_s(rules.profile)
        ):
            return
        while (item := batch.next_item()) is not None:
            try:
                answered = _answer(ctx, rules, item, priority)
            except LLMBusy as exc:  # no slot for this thread: the others finish the batch
                with batch.lock:
                    batch.pending.appendleft(item)
                    batch.busy = exc
                return
            except LLMCircuitOpen as exc:  # the rest would fail fast too
                with batch.lock:
                    batch.circuit_open = batch.circuit_open or exc
                return
            except Exception as exc:
                with batch.lock:
                    if is_permanent(exc):
                        batch.failed.append((item, exc))
                    else:  # each failure counts towards the breaker, as one task per item did
                        batch.transient = batch.transient or exc
                continue
            with batch.lock:
                batch.answered[item.pk] = answered
                batch.unstored.append(item.pk)
            on_answer()


def _in_thread(ctx: StageContext, rules: PlatformRules, batch: _Batch, priority: int, wait: bool) -> None:
    try:
        _work(ctx, rules, batch, priority, wait=wait)
    finally:
        connections.close_all()  # this thread's own connections


def _fair_share(profile: LLMProfile) -> int:
    """How many of *profile*'s slots one classify task waits for: ``max_concurrency`` divided
    among the workers that may run background work at once.

    Its other threads take a slot only when one is free at once. Without this, the first of two
    classify tasks in two worker processes took every slot and the second waited for its whole
    batch: with a fast model the two processes took turns instead of using both cores.
    """
    return max(math.ceil(profile.max_concurrency / background_slots()), 1)


def _answer_batch(
    ctx: StageContext, rules: PlatformRules, batch: _Batch, priority: int, flush: Callable[[], None]
) -> None:
    """Ask about every item, in up to ``max_concurrency`` threads (one slot each: the first
    :func:`_fair_share` of them wait for theirs, the rest work only if one is free); in this thread
    alone inside a transaction (the tests), where other connections could not see the items.
    *flush* runs in this thread after answers come in, at most every :data:`FLUSH_EVERY_S`."""
    assert rules.profile is not None
    threads = min(rules.profile.max_concurrency, len(batch.pending)) if rules.profile.pk else 1
    if threads <= 1 or connection.in_atomic_block:
        _work(ctx, rules, batch, priority, on_answer=flush)
        return
    share = _fair_share(rules.profile)
    workers = [
        threading.Thread(
            target=_in_thread, args=(ctx, rules, batch, priority, n < share), name=f"classify-{n}"
        )
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        while worker.is_alive():
            worker.join(timeout=FLUSH_EVERY_S)
            flush()


def _store(
    ctx: StageContext, rules: PlatformRules, items: list[Item], answers: dict[int, _Answered]
) -> list[Item]:
    """Save *answers* (one UPDATE, one audit append) and count them on the run."""
    assert rules.profile is not None
    now = timezone.now()
    done, notes = [], []
    for item in items:
        answered = answers.get(item.pk)
        if answered is None:
            continue
        item.classification = answered.values
        item.classified_by = {**_classified_by(item, rules), "answers": answered.answered_by}
        item.classified_at = item.last_seen = now
        done.append(item)
        notes.append(classified_note(item, answered.values, rules.profile.name, answered.answered_by))
    if done:
        Item.objects.bulk_update(done, ["classification", "classified_by", "classified_at", "last_seen"])
        audit_many(notes)
        run_count(ctx.run_id, classified=len(done))
    return done


class _Flusher:
    """Stores a batch's answers as they come: the first at once, then at most every
    :data:`FLUSH_EVERY_S`, and queues the evaluation of what was stored. A small model answers
    an email every few seconds, so waiting for a whole batch would hold the first actions back
    by minutes."""

    def __init__(self, ctx: StageContext, rules: PlatformRules, task: Task, items: list[Item]) -> None:
        self.ctx, self.rules, self.task, self.items = ctx, rules, task, items
        self.batch = _Batch(deque(items))
        self.done: list[Item] = []
        self.last: float | None = None

    def __call__(self, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and self.last is not None and now - self.last < FLUSH_EVERY_S:
            return
        self.last = now
        self.batch.calls.save()
        stored = _store(self.ctx, self.rules, self.items, self.batch.take_unstored())
        if stored:
            self.done.extend(stored)
            # A task of one item gathers with the other single classifications; a batch has
            # answers enough to evaluate at once.
            evaluate_classified_enqueue(
                self.ctx,
                self.rules,
                self.task.run,
                after_priority=self.task.priority,
                gather=len(self.items) == 1,
            )


def _to_classify(task: Task, ctx: StageContext, rules: PlatformRules) -> tuple[list[Item], str]:
    """The task's items that still need an answer, or none and why."""
    items = list(
        Item.objects.filter(
            pk__in=classify_items(task.payload), status=Item.Status.ACTIVE, snapshot__isnull=False
        ).order_by("pk")
    )
    if not items:
        return [], "item gone or not collected"
    answered = [item for item in items if not rules.needs_classification(item)]
    if answered and rules.decides:
        evaluate_enqueue(ctx, rules, [item.pk for item in answered], task.run, phase=Phase.LLM)
    items = [item for item in items if rules.needs_classification(item)]
    if not items:
        return [], "already classified for this content and these questions"
    # Of two tasks running at once for an item, the older one goes on, so exactly one asks the
    # LLM; if it fails, it is retried itself (or re-run after its lease when its worker died).
    taken = classifying_now(ctx, [item.pk for item in items], before=task.pk)
    items = [item for item in items if item.pk not in taken]
    if not items:
        return [], "an earlier task is classifying this item now"
    return items, ""


def classify(task: Task) -> dict[str, Any]:
    """Classify a batch of items (payload ``items``), store the values, then queue evaluate.

    Skips items that are gone, already answered for this content and question set, or being
    classified by an older task right now. Without an LLM profile on the integration the task
    fails permanently, saying where to set one. The model is asked about up to the profile's
    ``max_concurrency`` items at once. What was answered is stored even when another item
    failed: a transient failure (the LLM down, no free slot) retries the task for the rest; an
    off-schema reply fails it permanently, naming the item. While the profile's circuit breaker is
    open the task waits, and the run's error says so (:mod:`orchestrator.pipeline.outage`).
    """
    ctx = replace(task_context(task.payload), run_id=task.run_id)
    rules = platform_rules(ctx)
    items, skipped = _to_classify(task, ctx, rules)
    if not items:
        return {"skipped": skipped}
    if rules.profile is None:
        raise IntegrationError(
            f"Integration '{ctx.integration_id}' has classifications for platform '{ctx.platform}' "
            "but no LLM profile: choose one on the integration in the admin (field 'llm')",
            permanent=True,
        )
    flush = _Flusher(ctx, rules, task, items)
    batch = flush.batch
    try:
        _answer_batch(ctx, rules, batch, task.priority, flush)
        flush(final=True)
    finally:
        batch.calls.save()  # what was asked is accounted even when storing failed
    done = flush.done
    if batch.circuit_open is not None:
        run_outage_noted(ctx, task.run_id, str(batch.circuit_open))
    elif batch.answered or batch.failed:
        run_outage_over(ctx, task.run_id, rules.profile.name)
    if batch.retry_error is not None:
        raise batch.retry_error
    if batch.failed:
        item, exc = batch.failed[0]
        more = f" (and {len(batch.failed) - 1} more)" if len(batch.failed) > 1 else ""
        raise IntegrationError(f"{item.key}: {exc}{more}", permanent=True) from exc
    if batch.pending and batch.busy is not None:
        raise batch.busy  # no thread got a slot for these: re-queued, its attempt given back
    if len(done) == 1:
        return {"classified": done[0].pk, "values": done[0].classification}
    return {"classified": len(done)}
