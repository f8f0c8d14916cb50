"""Structural checks of classifications and automations as stored on a platform config.

These catch malformed shapes at save/import time; the rules engine adds the semantic checks
(condition grammar, known classification names, the safety gate) on the same save path.
"""

from __future__ import annotations

from typing import Any

CLASSIFICATION_TYPES = ("confidence", "boolean", "enum")
AUTOMATION_KEYS = {"when", "then", "on_blocked", "name"}


def classification_errors(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["classifications must be a mapping of name to a prompt or {prompt, type, values}"]
    errors = []
    for name, spec in value.items():
        if isinstance(spec, str):
            continue
        if not isinstance(spec, dict):
            errors.append(f"{name}: must be a prompt string or a mapping")
            continue
        unknown = sorted(set(spec) - {"prompt", "type", "values"})
        if unknown:
            errors.append(f"{name}: unknown key(s) {', '.join(unknown)}; valid: prompt, type, values")
        if not isinstance(spec.get("prompt"), str) or not spec.get("prompt"):
            errors.append(f"{name}.prompt: a non-empty question is required")
        kind = spec.get("type", "confidence")
        if kind not in CLASSIFICATION_TYPES:
            errors.append(f"{name}.type: {kind!r} is not one of {', '.join(CLASSIFICATION_TYPES)}")
        values = spec.get("values")
        if kind == "enum":
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                errors.append(f"{name}.values: an enum needs a non-empty list of strings")
        elif values is not None:
            errors.append(f"{name}.values: only enum classifications take values")
    return errors


def automation_errors(value: Any) -> list[str]:
    if not isinstance(value, list):
        return ["automations must be a list of {when, then} rules"]
    errors = []
    for index, rule in enumerate(value):
        label = f"automation #{index + 1}"
        if not isinstance(rule, dict):
            errors.append(f"{label}: must be a mapping with 'when' and 'then'")
            continue
        unknown = sorted(set(rule) - AUTOMATION_KEYS)
        if unknown:
            errors.append(f"{label}: unknown key(s) {', '.join(unknown)}; valid: {', '.join(sorted(AUTOMATION_KEYS))}")
        if not isinstance(rule.get("when", {}), dict):
            errors.append(f"{label}.when: must be a mapping of conditions")
        if "then" not in rule or rule["then"] in (None, [], ""):
            errors.append(f"{label}.then: at least one action is required")
        if rule.get("on_blocked") not in (None, "ask"):
            errors.append(f"{label}.on_blocked: the only value is 'ask'")
    return errors
