"""Measuring a classifier on a labelled corpus (``manage.py eval_classifier``, ``bench/classifier.py``).

A corpus is a directory of items and a ``labels.yaml`` mapping file name to the expected answers
(``{human: true, requires_response: false, priority: low}``; a missing key is not scored). An item
is an email (``*.eml``, asked the demo's questions) or a GitHub pull request or issue (``*.json``
in the shape ``GET /repos/{repo}/pulls/{n}`` / ``issues/{n}`` answers, a pull request's diff beside
it as ``*.diff``; asked the GitHub platforms' default questions). An optional ``corpus.yaml`` gives
the parsing settings (``trusted_authserv_id``). Each item is turned into its snapshot and LLM input
the way its integration collects it and classified like the classify stage does (rules first, then
the model: :func:`orchestrator.pipeline.classify.answer_classifications`).

Scoring: a ``confidence`` answer counts as true at ≥ 0.5; accuracy per classification and overall
(every scored answer counts once); the Brier score (mean squared error of the probabilities, one-hot
where no probability is known; lower is better: for yes/no (P(yes) − truth)², 0.25 being a coin
toss; for an enum Brier's sum over the values, from 0 to 2); the majority-class baseline (always answering the
corpus's most common label); a confusion table per classification.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from integrations.base import ClassificationSpec
from integrations.email.parsing import parse_message
from orchestrator.models import LLMProfile
from orchestrator.rules.classifications import normalise_classifications

DEFAULT_CORPUS = Path(settings.BASE_DIR) / "tests" / "data" / "eval"
DEMO_CONFIG = Path(settings.BASE_DIR) / "demo" / "config.yaml"
TRUE_AT = 0.5


class CorpusError(Exception):
    """The corpus or the configuration cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class CorpusItem:
    name: str
    raw: bytes
    labels: dict[str, Any]
    diff: bytes = b""  # a GitHub pull request's diff (``<name>.diff``)


@dataclass(frozen=True)
class Prepared:
    """One corpus item as the classify stage sees it, and the questions its platform asks."""

    snapshot: dict[str, Any]
    llm_input: str
    classifications: dict[str, ClassificationSpec]


@dataclass
class ItemResult:
    name: str
    expected: dict[str, Any]
    predicted: dict[str, Any]
    answered_by: dict[str, Any]
    ms: float

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "expected": self.expected,
            "predicted": self.predicted,
            "answered_by": {k: v.get("by") for k, v in self.answered_by.items()},
            "p": {k: v["p"] for k, v in self.answered_by.items() if "p" in v},
            "ms": round(self.ms, 1),
        }


@dataclass
class Report:
    model: str
    items: list[ItemResult]
    classifications: dict[str, ClassificationSpec]
    accuracy: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    baseline_answer: dict[str, Any] = field(default_factory=dict)
    brier: dict[str, float] = field(default_factory=dict)
    by_rule: dict[str, int] = field(default_factory=dict)
    confusion: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    overall: float = 0.0

    @property
    def timed(self) -> list[float]:
        # The first item pays for loading the model and calibrating: reported apart.
        return [r.ms for r in self.items[1:]] or [r.ms for r in self.items]

    def as_json(self) -> dict[str, Any]:
        timed = self.timed
        return {
            "model": self.model,
            "overall": round(self.overall, 4),
            "accuracy": {k: round(v, 4) for k, v in self.accuracy.items()},
            "baseline": {k: round(v, 4) for k, v in self.baseline.items()},
            "baseline_answer": self.baseline_answer,
            "brier": {k: round(v, 4) for k, v in self.brier.items()},
            "answered_by_rule": self.by_rule,
            "confusion": self.confusion,
            "per_item_ms": round(statistics.fmean(timed), 1) if timed else 0.0,
            "latency_ms": _latency(timed, self.items[0].ms if self.items else 0.0),
            "items": [r.as_json() for r in self.items],
        }


def _latency(timed: list[float], first: float) -> dict[str, float]:
    if not timed:
        return {}
    ordered = sorted(timed)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p90": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 1),
        "max": round(ordered[-1], 1),
        "first_item": round(first, 1),
    }


def load_corpus(directory: Path, *, limit: int | None = None) -> list[CorpusItem]:
    labels_path = directory / "labels.yaml"
    if not labels_path.is_file():
        raise CorpusError(f"{labels_path} is missing: a corpus needs *.eml files and labels.yaml")
    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8")) or {}
    if not isinstance(labels, dict):
        raise CorpusError(f"{labels_path} must map file names to their labels")
    items = []
    for name in sorted(labels):
        path = directory / name
        if not path.is_file():
            raise CorpusError(f"{labels_path} labels {name!r}, but {path} does not exist")
        if not isinstance(labels[name], dict):
            raise CorpusError(f"{labels_path}: {name} must map classification names to answers")
        diff = path.with_suffix(".diff")
        extra = diff.read_bytes() if path.suffix == ".json" and diff.is_file() else b""
        items.append(CorpusItem(name, path.read_bytes(), dict(labels[name]), extra))
    return items[:limit] if limit else items


def corpus_settings(directory: Path) -> dict[str, Any]:
    path = directory / "corpus.yaml"
    found = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return found if isinstance(found, dict) else {}


def _demo_platform(config_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        document = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        integration = document["integrations"][0]
        platform = next(iter(integration["platforms"].values()))
        return document, platform
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError, StopIteration) as exc:
        raise CorpusError(f"cannot read the classifications of {config_path}: {exc}") from exc


def demo_classifications(config_path: Path = DEMO_CONFIG) -> dict[str, ClassificationSpec]:
    """The questions the demo's platform asks (``demo/config.yaml``)."""
    _, platform = _demo_platform(config_path)
    return normalise_classifications(platform.get("classifications"))


def profile_for(name: str | None, *, model: str = "", config_path: Path = DEMO_CONFIG) -> LLMProfile:
    """A configured profile by *name*; without one, the demo's ``default`` (not saved)."""
    if name:
        found = LLMProfile.objects.filter(name=name).first()
        if found is None:
            names = ", ".join(LLMProfile.objects.values_list("name", flat=True)) or "none configured"
            raise CorpusError(f"unknown LLM profile {name!r}; valid: {names}")
        return found
    document, _ = _demo_platform(config_path)
    spec = (document.get("llms") or {}).get("default") or {}
    return LLMProfile(
        name="default",
        backend=spec.get("backend", "embedded"),
        model=model or spec.get("model", ""),
        base_url=spec.get("base_url", ""),
        parameters=spec.get("parameters") or {},
        timeout_s=int(spec.get("timeout_s", 120)),
    )


def github_classifications() -> dict[str, dict[str, ClassificationSpec]]:
    """The GitHub platforms' default questions, by platform name."""
    from integrations.github.plugin import ISSUES, PULL_REQUESTS

    return {
        spec.name: normalise_classifications(None, spec.default_classifications)
        for spec in (PULL_REQUESTS, ISSUES)
    }


def prepare_github(item: CorpusItem) -> Prepared:
    """A pull request or issue JSON as ``integrations.github.collecting`` turns it into an item."""
    from integrations.github import collecting
    from integrations.github.items import repo_of
    from orchestrator.llm.framing import LONG_BODY_LIMIT, prepare

    try:
        found = json.loads(item.raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CorpusError(f"{item.name} is not JSON: {exc}") from exc
    repo = repo_of(found) if isinstance(found, dict) else None
    if repo is None:
        raise CorpusError(f"{item.name} is not a GitHub pull request or issue (no repository URL)")
    questions = github_classifications()
    if "head" in found or "diff_url" in found:  # GET /repos/{repo}/pulls/{n}
        full = item.diff.decode("utf-8", errors="replace")
        snapshot = collecting.pull_snapshot(repo, found, collecting.diff_files(full))
        diff = prepare(full, LONG_BODY_LIMIT)
        return Prepared(snapshot, collecting.pull_llm_input(snapshot, diff), questions["pull_requests"])
    snapshot = collecting.issue_snapshot(repo, found)
    return Prepared(snapshot, collecting.issue_llm_input(snapshot), questions["issues"])


def prepare_item(
    item: CorpusItem, email_questions: dict[str, ClassificationSpec], trusted_authserv_id: str | None
) -> Prepared:
    if item.name.endswith(".json"):
        return prepare_github(item)
    parsed = parse_message(item.raw, uid=None, trusted_authserv_id=trusted_authserv_id)
    return Prepared(parsed.snapshot, parsed.llm_input, email_questions)


def classify_corpus(
    profile: LLMProfile,
    classifications: Mapping[str, ClassificationSpec],
    items: list[CorpusItem],
    *,
    trusted_authserv_id: str | None = None,
) -> tuple[list[ItemResult], dict[str, ClassificationSpec]]:
    """Every item's answers, and every question asked (emails: *classifications*)."""
    from orchestrator.pipeline.classify import answer_classifications

    results = []
    asked: dict[str, ClassificationSpec] = {}
    for item in items:
        prepared = prepare_item(item, dict(classifications), trusted_authserv_id)
        asked.update(prepared.classifications)
        started = time.monotonic()
        values, answered_by = answer_classifications(
            profile, prepared.classifications, prepared.snapshot, prepared.llm_input, priority=6
        )
        ms = (time.monotonic() - started) * 1000
        results.append(ItemResult(item.name, item.labels, values, answered_by, ms))
    return results, asked


def _as_label(spec: ClassificationSpec, value: Any) -> Any:
    if spec.type == "confidence":
        return isinstance(value, int | float) and not isinstance(value, bool) and value >= TRUE_AT
    return value


def _expected(spec: ClassificationSpec, value: Any) -> Any:
    if spec.type == "confidence" and isinstance(value, int | float) and not isinstance(value, bool):
        return value >= TRUE_AT
    return value


def _probabilities(spec: ClassificationSpec, value: Any, how: Mapping[str, Any]) -> dict[Any, float]:
    """The probability the classifier gave each possible label (one-hot when unknown)."""
    p = how.get("p") if isinstance(how, Mapping) else None
    if spec.type == "enum":
        if isinstance(p, Mapping):
            return {v: float(p.get(v, 0.0)) for v in spec.values}
        return {v: 1.0 if v == value else 0.0 for v in spec.values}
    if spec.type == "confidence" and isinstance(value, int | float):
        yes = float(value)
    elif isinstance(p, Mapping) and "yes" in p:
        yes = float(p["yes"])
    else:
        yes = 1.0 if value else 0.0
    return {True: yes, False: 1.0 - yes}


def score(model: str, classifications: Mapping[str, ClassificationSpec], results: list[ItemResult]) -> Report:
    report = Report(model=model, items=results, classifications=dict(classifications))
    correct_total = scored_total = 0
    for name, spec in classifications.items():
        pairs = [
            (_expected(spec, r.expected[name]), r.predicted.get(name), r.answered_by.get(name, {}))
            for r in results
            if name in r.expected
        ]
        if not pairs:
            continue
        truths = [t for t, _, _ in pairs]
        majority, count = Counter(truths).most_common(1)[0]
        report.baseline[name] = count / len(truths)
        report.baseline_answer[name] = majority
        predicted = [_as_label(spec, v) for _, v, _ in pairs]
        correct = sum(1 for t, p in zip(truths, predicted, strict=True) if t == p)
        report.accuracy[name] = correct / len(pairs)
        correct_total += correct
        scored_total += len(pairs)
        brier = []
        for truth, value, how in pairs:
            probs = _probabilities(spec, value, how)
            if spec.type == "enum":  # Brier's multi-class sum over the values (0 to 2)
                brier.append(sum((p - (1.0 if label == truth else 0.0)) ** 2 for label, p in probs.items()))
            else:  # yes/no: (P(yes) - truth)², 0.25 for a coin toss
                brier.append((probs[True] - (1.0 if truth else 0.0)) ** 2)
        report.brier[name] = statistics.fmean(brier)
        report.by_rule[name] = sum(1 for _, _, how in pairs if how.get("by") == "rule")
        table: dict[str, dict[str, int]] = {}
        for truth, guess in zip(truths, predicted, strict=True):
            row = table.setdefault(str(truth).lower(), {})
            row[str(guess).lower()] = row.get(str(guess).lower(), 0) + 1
        report.confusion[name] = table
    report.overall = correct_total / scored_total if scored_total else 0.0
    return report


def render(report: Report) -> str:
    """The report as a person reads it in a terminal."""
    data = report.as_json()
    lines = [f"model: {report.model}   items: {len(report.items)}", ""]
    lines.append(f"{'classification':24} {'accuracy':>9} {'baseline':>9} {'brier':>7} {'by rule':>8}")
    for name in report.accuracy:
        lines.append(
            f"{name:24} {report.accuracy[name]:>9.1%} {report.baseline[name]:>9.1%} "
            f"{report.brier[name]:>7.3f} {report.by_rule[name]:>8}"
        )
    lines.append(f"{'overall':24} {report.overall:>9.1%}")
    latency = data["latency_ms"]
    lines.append("")
    lines.append(
        f"per item: {data['per_item_ms']:.0f} ms mean, p50 {latency.get('p50', 0):.0f} ms, "
        f"p90 {latency.get('p90', 0):.0f} ms, max {latency.get('max', 0):.0f} ms "
        f"(first item, with model load: {latency.get('first_item', 0):.0f} ms)"
    )
    for name, table in report.confusion.items():
        labels = sorted({*table, *(g for row in table.values() for g in row)})
        lines.append("")
        lines.append(f"{name}: rows = expected, columns = predicted")
        lines.append(" " * 10 + "".join(f"{label:>10}" for label in labels))
        for truth in labels:
            row = table.get(truth, {})
            lines.append(f"{truth:>10}" + "".join(f"{row.get(g, 0):>10}" for g in labels))
    return "\n".join(lines)


def evaluate(
    *,
    corpus: Path = DEFAULT_CORPUS,
    profile_name: str | None = None,
    model: str = "",
    limit: int | None = None,
    config_path: Path = DEMO_CONFIG,
) -> Report:
    """Classify the corpus with the demo's questions and score the answers against the labels."""
    from orchestrator.llm.backends import get_backend

    items = load_corpus(corpus, limit=limit)
    if not items:
        raise CorpusError(f"{corpus / 'labels.yaml'} labels no item")
    classifications = demo_classifications(config_path)
    profile = profile_for(profile_name, model=model, config_path=config_path)
    trusted = corpus_settings(corpus).get("trusted_authserv_id")
    results, asked = classify_corpus(profile, classifications, items, trusted_authserv_id=trusted)
    return score(get_backend(profile).describe(), asked, results)
