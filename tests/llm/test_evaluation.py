"""``eval_classifier``: the labelled corpus, the scores it reports, and the rules that answer first."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.base import ClassificationSpec
from integrations.email.parsing import parse_message
from orchestrator.llm.evaluation import DEFAULT_CORPUS, ItemResult, demo_classifications, load_corpus, score
from orchestrator.pipeline.rule_answers import rule_answers

HUMAN = ClassificationSpec("human", "is this a personal email written by a human?", "confidence")
PRIORITY = ClassificationSpec("priority", "what is the priority?", "enum", ("low", "medium", "high"))


def result(name: str, expected: dict[str, object], predicted: dict[str, object]) -> ItemResult:
    return ItemResult(name, expected, predicted, {k: {"by": "model"} for k in predicted}, ms=100.0)


def test_the_corpus_has_eighty_labelled_emails_for_every_demo_question() -> None:
    items = load_corpus(DEFAULT_CORPUS)
    questions = set(demo_classifications())

    assert len(items) >= 80
    assert questions == {"human", "requires_response", "priority", "user_agreement_update"}
    assert all(set(item.labels) == questions for item in items)
    languages = {item.name.rsplit("-", 1)[-1].removesuffix(".eml") for item in items}
    assert {"de", "fr", "es", "ja", "ru"} <= languages


def test_a_confidence_counts_as_true_from_one_half_and_the_baseline_is_the_majority_label() -> None:
    results = [
        result("a", {"human": True, "priority": "low"}, {"human": 0.5, "priority": "low"}),
        result("b", {"human": False, "priority": "low"}, {"human": 0.49, "priority": "high"}),
        result("c", {"human": False, "priority": "high"}, {"human": 0.9, "priority": "high"}),
        result("d", {"human": False}, {"human": 0.1, "priority": "medium"}),  # priority not labelled
    ]
    report = score("m", {"human": HUMAN, "priority": PRIORITY}, results)

    assert report.accuracy == {"human": 0.75, "priority": pytest.approx(2 / 3)}
    assert report.baseline == {"human": 0.75, "priority": pytest.approx(2 / 3)}
    assert report.overall == pytest.approx(5 / 7)
    assert report.brier["human"] == pytest.approx(((0.5 - 1) ** 2 + 0.49**2 + 0.9**2 + 0.1**2) / 4)
    assert report.confusion["priority"] == {"low": {"low": 1, "high": 1}, "high": {"high": 1}}
    data = report.as_json()
    assert {"overall", "accuracy", "baseline", "per_item_ms", "items"} <= set(data)


def test_rules_answer_what_the_snapshot_decides_and_leave_the_rest_to_the_model() -> None:
    specs = demo_classifications()
    newsletter = parse_message((DEFAULT_CORPUS / "001-newsletter-python-weekly.eml").read_bytes(), uid=None)
    personal = parse_message((DEFAULT_CORPUS / "013-personal-dinner.eml").read_bytes(), uid=None)
    reply = parse_message((DEFAULT_CORPUS / "022-personal-reply-thread.eml").read_bytes(), uid=None)

    bulk = rule_answers(specs, newsletter.snapshot)
    assert {name: answer.value for name, answer in bulk.items()} == {
        "human": 0.0,
        "requires_response": False,
        "priority": "low",
    }
    assert bulk["human"].rule == "one-click List-Unsubscribe (bulk mail)"
    assert set(rule_answers(specs, personal.snapshot)) == {"user_agreement_update"}
    assert rule_answers(specs, reply.snapshot)["human"].value == 1.0


def test_a_corpus_without_labels_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"labels\.yaml is missing"):
        call_command("eval_classifier", "--corpus", str(tmp_path))


def test_a_label_for_a_missing_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "labels.yaml").write_text(yaml.safe_dump({"gone.eml": {"human": True}}))
    with pytest.raises(CommandError, match=r"labels 'gone\.eml', but .*gone\.eml does not exist"):
        call_command("eval_classifier", "--corpus", str(tmp_path))


@pytest.mark.slow
@pytest.mark.django_db
def test_eval_classifier_scores_a_small_subset_with_the_embedded_model() -> None:
    out = StringIO()
    call_command("eval_classifier", "--limit", "4", "--json", stdout=out)
    data = json.loads(out.getvalue())

    assert len(data["items"]) == 4
    assert set(data["accuracy"]) == {"human", "requires_response", "priority", "user_agreement_update"}
    assert all(0 <= value <= 1 for value in data["accuracy"].values())
    assert data["per_item_ms"] > 0
    assert {"model", "rule"} >= {by for item in data["items"] for by in item["answered_by"].values()}
