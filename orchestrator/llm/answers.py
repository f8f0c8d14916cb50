"""Classification by answer scoring: the probability of each allowed answer, not generated JSON.

For a backend with the scoring capability (:class:`~orchestrator.llm.backends.base.ScoringBackend`)
and a schema whose every property is a ``boolean``, an ``enum`` or a ``confidence`` (a number from 0
to 1), each property becomes one question whose answers are scored: yes/no, or the enum's values.
``confidence`` is P(yes); a boolean is P(yes) ≥ 0.5; an enum is its most probable value.

Small models lean towards some answers whatever the item says ("yes", "high"). Each question is
therefore also scored once per process on a content-free item (:data:`CONTENT_FREE_ITEMS`), and
the item's probabilities are divided by its (contextual calibration, Zhao et al. 2021,
"Calibrate Before Use"), so what remains is what the item's content moved.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.llm import priority, prompts
from orchestrator.llm.backends.base import ScoreQuestion
from orchestrator.llm.framing import TRUNCATION_NOTE, Framed, frame

# The items a question is calibrated on: an email with every field empty. (The paper also averages
# "N/A" and "[MASK]"; on our corpus that over-corrected terms-update answers towards "yes".)
CONTENT_FREE_ITEMS = ("From: \nName: \nTo: \nSubject: \nDate: \nBody:\n",)
_NAME_SEPARATOR = "\x00"
# An answer this close to a coin toss is reported as uncertain (the audit log says so).
UNCERTAIN_MARGIN = 0.1

# Where the bundled model's calibrated "yes" really starts, per well-known question: SmolLM2-135M
# says yes to "does this email require a response from me?" for nearly every item that reaches it
# (P 0.55-0.70). Measured on the corpus (docs/BENCHMARKS.md, with a leave-one-out check), for the
# default model only: a profile with its own GGUF gets plain calibration. ``documentation_only``
# reaches the model only when the GitHub rules found a changed file that is not documentation, so
# nearly always "no"; the model said yes to 12 of 13 such pull requests (P 0.49-0.73), 1 rightly.
DEFAULT_MODEL_DECIDE_AT: dict[str, float] = {"requires_response": 0.62, "documentation_only": 0.75}

_baselines: dict[tuple[str, str, tuple[str, ...]], dict[str, float]] = {}
_baselines_lock = threading.Lock()


class ScoredValues(dict[str, Any]):
    """Classification values (a plain, schema-valid dict) that also carry how each was reached.

    ``answers`` maps each name to ``{"by": "model", "p": {answer: probability}}``; the pipeline adds
    ``{"by": "rule", "rule": why}`` entries for questions a deterministic feature decided.
    """

    answers: dict[str, dict[str, Any]]

    def __init__(self, values: Mapping[str, Any], answers: dict[str, dict[str, Any]]) -> None:
        super().__init__(values)
        self.answers = answers


def scorable(schema: dict[str, Any]) -> bool:
    """True when every property of *schema* is a boolean, an enum or a 0..1 confidence."""
    properties = schema.get("properties") or {}
    return bool(properties) and all(_kind(prop) is not None for prop in properties.values())


def _kind(prop: dict[str, Any]) -> str | None:
    if prop.get("enum"):
        return "enum"
    if prop.get("type") == "boolean":
        return "boolean"
    if prop.get("type") == "number" and prop.get("minimum") == 0 and prop.get("maximum") == 1:
        return "confidence"
    return None


def score_input(item_text: str) -> Framed:
    """The item as a scored question reads it, cut to :data:`prompts.SCORE_INPUT_LIMIT` characters
    and :data:`prompts.SCORE_INPUT_BYTES` UTF-8 bytes.

    The byte cut bounds the prompt in tokens whatever the script: a byte-level tokenizer spends up
    to one token per byte on a script it does not know (2,000 Mongolian characters: ~5,000 tokens).
    """
    encoded = item_text.encode("utf-8")
    if len(encoded) > prompts.SCORE_INPUT_BYTES:
        item_text = encoded[: prompts.SCORE_INPUT_BYTES].decode("utf-8", errors="ignore") + TRUNCATION_NOTE
    return frame({"item": item_text}, limits={"item": prompts.SCORE_INPUT_LIMIT})


def _asked(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """The property the model is really asked (``priority`` becomes a yes/no question)."""
    return priority.proxy_prop() if priority.applies(name, prop) else prop


def questions(framed: Framed, schema: dict[str, Any]) -> list[ScoreQuestion]:
    result = []
    for name, prop in schema["properties"].items():
        asked = _asked(name, prop)
        result.append(
            ScoreQuestion(name, prompts.scoring_messages(framed, asked), prompts.score_options(asked))
        )
    return result


def baseline_key(profile_name: str, question: ScoreQuestion) -> tuple[str, str, tuple[str, ...]]:
    return (profile_name, question.messages[-1]["content"].rsplit("\n\n", 1)[-1], question.options)


def missing_baselines(profile_name: str, schema: dict[str, Any]) -> list[ScoreQuestion]:
    """The content-free questions whose probabilities this process has not measured yet."""
    with _baselines_lock:
        known = set(_baselines)
    missing = []
    for n, item in enumerate(CONTENT_FREE_ITEMS):
        for question in questions(score_input(item), schema):
            if baseline_key(profile_name, question) not in known:
                name = f"{question.name}{_NAME_SEPARATOR}{n}"
                missing.append(ScoreQuestion(name, question.messages, question.options))
    return missing


def remember_baselines(
    profile_name: str, asked: list[ScoreQuestion], probabilities: Mapping[str, dict[str, float]]
) -> None:
    """Keep, per question, the mean of its answers' probabilities over the content-free items."""
    sums: dict[tuple[str, str, tuple[str, ...]], dict[str, list[float]]] = {}
    for question in asked:
        per_answer = sums.setdefault(baseline_key(profile_name, question), {})
        for answer_text, p in probabilities[question.name].items():
            per_answer.setdefault(answer_text, []).append(p)
    with _baselines_lock:
        for key, per_answer in sums.items():
            _baselines[key] = {k: sum(v) / len(v) for k, v in per_answer.items()}


def calibrated(probabilities: dict[str, float], baseline: dict[str, float] | None) -> dict[str, float]:
    """*probabilities* divided by the empty item's, renormalised (unchanged without a baseline)."""
    if not baseline:
        return probabilities
    weights = {k: p / max(baseline.get(k, 0.0), 1e-6) for k, p in probabilities.items()}
    total = sum(weights.values())
    if total <= 0 or not math.isfinite(total):
        return probabilities
    return {k: w / total for k, w in weights.items()}


def recentred(probabilities: dict[str, float], at: float | None) -> dict[str, float]:
    """Yes/no *probabilities* shifted (in log-odds) so that P(yes) = *at* becomes an even 0.5."""
    yes = probabilities.get("yes")
    if at is None or yes is None or set(probabilities) != {"yes", "no"}:
        return probabilities
    yes = min(max(yes, 1e-6), 1 - 1e-6)
    odds = (yes / (1 - yes)) / (at / (1 - at))
    return {"yes": odds / (1 + odds), "no": 1 / (1 + odds)}


@dataclass(frozen=True)
class Answer:
    value: Any
    probabilities: dict[str, float]

    @property
    def uncertain(self) -> bool:
        ranked = sorted(self.probabilities.values(), reverse=True)
        return len(ranked) > 1 and ranked[0] - ranked[1] < UNCERTAIN_MARGIN


def answer(prop: dict[str, Any], probabilities: dict[str, float]) -> Answer:
    """The schema value the probabilities stand for."""
    kind = _kind(prop)
    if kind == "enum":
        best = max(prop["enum"], key=lambda value: probabilities.get(str(value), 0.0))
        return Answer(best, probabilities)
    yes = probabilities.get("yes", 0.0)
    return Answer(yes >= 0.5 if kind == "boolean" else round(yes, 3), probabilities)


def values_from_scores(
    profile_name: str,
    schema: dict[str, Any],
    asked: list[ScoreQuestion],
    probabilities: Mapping[str, dict[str, float]],
    *,
    decide_at: Mapping[str, float] | None = None,
) -> ScoredValues:
    """The schema's values from the scored *probabilities*: calibrated on the empty item, then
    re-centred where *decide_at* names the P(yes) from which a question's answer is yes (keyed by
    question name; the ``priority`` proxy uses its question's, ``requires_response``)."""
    values: dict[str, Any] = {}
    answers: dict[str, dict[str, Any]] = {}
    for question in asked:
        with _baselines_lock:
            baseline = _baselines.get(baseline_key(profile_name, question))
        prop = schema["properties"][question.name]
        is_proxy = priority.applies(question.name, prop)
        at = (decide_at or {}).get(priority.PROXY_NAME if is_proxy else question.name)
        probs = recentred(calibrated(probabilities[question.name], baseline), at)
        result = answer(_asked(question.name, prop), probs)
        shown = result.probabilities
        if is_proxy:
            value, shown = priority.from_yes(result.probabilities.get("yes", 0.0), prop)
            result = Answer(value, result.probabilities)
        values[question.name] = result.value
        answers[question.name] = {
            "by": "model",
            "p": {k: round(v, 3) for k, v in shown.items()},
            "uncertain": result.uncertain,
        }
    return ScoredValues(values, answers)
