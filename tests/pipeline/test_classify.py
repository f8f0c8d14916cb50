"""classify: one LLM call per item, only when its content or the questions changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestrator.models import AuditEntry, Item, LLMProfile, PlatformConfig, Run, Task
from orchestrator.pipeline.context import stage_context
from orchestrator.pipeline.next_stage import classify_enqueue
from orchestrator.queue.claim import claim_next
from orchestrator.queue.execution import execute
from orchestrator.running.triggers import integration_trigger
from tests.pipeline.driving import configure, drain, run_pipeline
from tests.plugins import classifier

pytestmark = pytest.mark.django_db

TAG_INTERESTING = [{"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "hot"}}]


def test_each_collected_item_is_classified_once_at_priority_6(steward):
    configure(steward, automations=TAG_INTERESTING)
    ran = run_pipeline()
    classify = [t for t in ran if t.type == "dummy.items.classify"]
    assert [len(t.payload["items"]) for t in classify] == [3]  # one batch
    assert {t.priority for t in classify} == {6}
    assert all(t.status == "done" for t in classify)
    assert len(classifier.CALLS) == 3
    assert {c["priority"] for c in classifier.CALLS} == {6}
    assert {c["profile"] for c in classifier.CALLS} == {"default"}


def test_values_and_who_classified_are_stored(steward):
    configure(steward, automations=TAG_INTERESTING)
    run_pipeline()
    item = Item.objects.get(key="item-1")
    assert item.classification == {"interesting": 0.9}
    by = item.classified_by
    assert (by["profile"], by["model"], by["prompt_version"]) == ("default", "fake-model", "1")
    assert by["content_hash"] == item.content_hash
    assert len(by["classifications"]) == 64
    assert by["at"]


def test_classification_is_audited_with_its_values(steward):
    configure(steward, automations=TAG_INTERESTING)
    run_pipeline()
    entry = AuditEntry.objects.get(item_key="item-2", message__startswith="Classified")
    assert "interesting=0.9" in entry.message
    assert entry.provenance == "llm"


def test_discovery_is_audited_once(steward):
    configure(steward, automations=TAG_INTERESTING)
    run_pipeline()
    run_pipeline()
    assert AuditEntry.objects.filter(message__startswith="Discovered", item_key="item-1").count() == 1


def test_run_counts_classified_items(steward):
    configure(steward, automations=TAG_INTERESTING)
    run_pipeline()
    assert Run.objects.get().classified == 3


def test_unchanged_items_are_not_classified_again(steward):
    configure(steward, automations=TAG_INTERESTING)
    run_pipeline()
    ran = run_pipeline()
    assert [t.type for t in ran] == ["dummy.items.check"]
    assert len(classifier.CALLS) == 3


def test_changed_questions_classify_every_item_again(steward):
    configure(steward, automations=TAG_INTERESTING)
    run_pipeline()
    configure(
        steward,
        automations=TAG_INTERESTING,
        classifications={"interesting": "Is this item really interesting?"},
    )
    ran = run_pipeline()
    assert [len(t.payload["items"]) for t in ran if t.type == "dummy.items.classify"] == [3]
    assert len(classifier.CALLS) == 6


def test_without_classifications_items_go_straight_to_evaluate(steward):
    configure(steward, automations=[{"when": {"n": 1}, "then": {"tag": "first"}}], classifications={})
    ran = run_pipeline()
    assert [t.type for t in ran] == [
        "dummy.items.check",
        "dummy.items.collect",
        "dummy.items.evaluate",
        "dummy.items.act",
    ]
    assert classifier.CALLS == []
    assert {t.priority for t in ran if t.type.endswith((".evaluate", ".act"))} == {7}


def test_without_automations_nothing_is_classified_or_evaluated(steward):
    ran = run_pipeline()
    assert [t.type for t in ran] == ["dummy.items.check", "dummy.items.collect"]
    assert classifier.CALLS == []


def test_missing_llm_profile_fails_classify_permanently_saying_where_to_set_it(steward):
    configure(steward, automations=TAG_INTERESTING)
    steward.llm = None
    steward.save(update_fields=["llm"])
    LLMProfile.objects.all().delete()
    run_pipeline()
    failed = Task.objects.filter(type="dummy.items.classify", status="failed")
    assert failed.count() == 1  # the batch of all three
    task = failed.first()
    assert task.attempts == 1
    assert "no LLM profile" in task.error
    assert "'llm'" in task.error
    assert Run.objects.get().status == "failed"


def test_low_trust_items_are_classified_at_priority_9(steward):
    configure(steward, automations=TAG_INTERESTING)
    item = Item.objects.create(integration_id="dummy.one", platform="items", key="x", low_trust=True)
    classify_enqueue(stage_context(steward, "items"), [item], None)
    assert Task.objects.get(type="dummy.items.classify").priority == 9


def test_an_off_schema_reply_is_never_stored(steward, settings):
    configure(steward, automations=TAG_INTERESTING)
    classifier.ANSWERS["Title: Item 1"] = {"interesting": 7}
    run_pipeline()
    task = Task.objects.get(type="dummy.items.classify")
    assert task.status == "failed"
    assert "item-1: classifier reply does not match the schema" in task.error
    assert Item.objects.get(key="item-1").classification is None
    # The rest of the batch is answered and stored all the same.
    assert Item.objects.get(key="item-2").classification == {"interesting": 0.9}
    assert PlatformConfig.objects.count() == 1


def test_classified_items_are_evaluated_and_acted_on_in_batches(steward):
    configure(steward, automations=TAG_INTERESTING, options={"count": 7})
    ran = run_pipeline()
    evaluate = [t for t in ran if t.type == "dummy.items.evaluate"]
    act = [t for t in ran if t.type == "dummy.items.act"]
    assert len(evaluate) == 1  # seven classifications joined one pending evaluate task
    assert len(act) == 1
    assert len(act[0].payload["items"]) == 7
    assert not Item.objects.filter(evaluated_at__isnull=True).exists()


def test_an_item_classified_again_is_evaluated_again(steward):
    configure(steward, automations=TAG_INTERESTING)
    run_pipeline()
    PlatformConfig.objects.update(classifications={"interesting": "Is it really interesting?"})
    ran = run_pipeline()  # a changed question set re-classifies every item
    evaluate = [t for t in ran if t.type == "dummy.items.evaluate"]
    assert len(evaluate) == 1
    assert evaluate[0].result["evaluated"] == 3


def test_low_trust_items_are_still_evaluated_in_one_batch(steward):
    configure(steward, automations=TAG_INTERESTING, options={"count": 4})
    Item.objects.all().delete()
    integration_trigger("dummy.one")
    for _ in range(2):  # check, then collect: the classify tasks are now queued
        task = claim_next("default", lease=timedelta(minutes=5))
        execute(task.pk, task.attempts)
    # As for mail failing SPF/DKIM/DMARC: classify waits at priority 9, behind everything else.
    Task.objects.filter(type="dummy.items.classify").update(priority=9, effective_priority=9)
    ran = drain()
    evaluate = [t for t in ran if t.type == "dummy.items.evaluate"]
    assert len(evaluate) == 1
    assert evaluate[0].priority == 9


@pytest.mark.django_db
def test_evaluate_after_classify_runs_ahead_of_the_backlog_after_gathering(settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from orchestrator.models import Integration, PlatformConfig
    from orchestrator.pipeline.context import stage_context
    from orchestrator.pipeline.next_stage import (
        CLASSIFY_PRIORITY,
        LOW_TRUST_PRIORITY,
        evaluate_classified_enqueue,
    )
    from orchestrator.pipeline.platform_rules import platform_rules

    settings.STEWARD_EVALUATE_GATHER_S = 10
    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 1})
    ctx = stage_context(integration, "items")

    task = evaluate_classified_enqueue(ctx, platform_rules(ctx), None, after_priority=CLASSIFY_PRIORITY)

    assert task.priority < CLASSIFY_PRIORITY  # the first actions need not wait for the last answer
    assert task.not_before is not None
    assert timedelta(seconds=8) < task.not_before - timezone.now() <= timedelta(seconds=10)
    task.delete()  # else the next call joins it (dedup)
    low = evaluate_classified_enqueue(ctx, platform_rules(ctx), None, after_priority=LOW_TRUST_PRIORITY)
    assert (low.priority, low.not_before) == (LOW_TRUST_PRIORITY, None)


def test_a_batch_stores_its_first_answer_before_it_asks_about_the_next_item(steward, settings):
    """A small model answers an email every few seconds: the first actions must not wait for the
    whole batch (docs/ARCHITECTURE.md, the pipeline)."""
    configure(steward, automations=TAG_INTERESTING)
    settings.STEWARD_CLASSIFIER = "tests.plugins.classifier.classify_noting_stored"
    run_pipeline()
    assert classifier.STORED_BEFORE[:2] == [[], ["item-1"]]  # stored, its evaluation queued, at once
    assert Run.objects.get().classified == 3
    assert Item.objects.filter(classification={"interesting": 0.9}).count() == 3
