"""Classifier answers an attacker would steer to: every value a rule can ask about.

A prompt injection that works makes the classifier answer whatever its author wants, so instead
of asking a model the check enumerates answers: for each classification a rule reads, every enum
value, both booleans, and confidences at 0, 0.5 and 1 — in every combination (bounded).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from integrations.base import ClassificationSpec
from orchestrator.rules.automations import CompiledAutomation
from orchestrator.rules.provenance import CLASSIFICATION_NAMESPACE, namespace

CONFIDENCES = (0.0, 0.5, 1.0)
MAX_COMBINATIONS = 512


def values_of(spec: ClassificationSpec) -> tuple[Any, ...]:
    if spec.type == "boolean":
        return (True, False)
    if spec.type == "enum":
        return tuple(spec.values)
    return CONFIDENCES


def steered(
    automation: CompiledAutomation, classifications: Mapping[str, ClassificationSpec]
) -> Iterator[dict[str, Any]]:
    """Classifications to try for *automation*: each combination of the values it reads."""
    read = sorted(
        {
            condition.key.split(".", 1)[1].split(".", 1)[0]
            for condition in automation.conditions
            if namespace(condition.key) == CLASSIFICATION_NAMESPACE and "." in condition.key
        }
    )
    base = {name: values_of(spec)[0] for name, spec in classifications.items()}
    choices = [values_of(classifications[name]) for name in read if name in classifications]
    names = [name for name in read if name in classifications]
    for combination in itertools.islice(itertools.product(*choices), MAX_COMBINATIONS):
        yield base | dict(zip(names, combination, strict=True))
