"""The questions a platform asks the LLM about each item, and the JSON schema of the reply.

Configured as a mapping of name to either a prompt string (shorthand for a ``confidence``) or
``{prompt, type, values}``. A configured set *replaces* the type's defaults; ``None`` (nothing
configured) means the defaults; an explicit empty mapping means "ask the LLM nothing".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.base import ClassificationSpec

CLASSIFICATION_TYPES = ("confidence", "boolean", "enum")
CLASSIFICATION_KEYS = ("prompt", "type", "values")


def classification_errors(value: Any) -> list[str]:
    """Shape errors in a configured classification set, each naming the entry at fault."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return ["classifications must be a mapping of name to a prompt or {prompt, type, values}"]
    errors: list[str] = []
    for name, spec in value.items():
        if isinstance(spec, str):
            if not spec.strip():
                errors.append(f"{name}: the prompt must not be empty")
            continue
        if not isinstance(spec, Mapping):
            errors.append(f"{name}: must be a prompt string or a mapping")
            continue
        errors.extend(f"{name}{problem}" for problem in _entry_errors(spec))
    return errors


def _entry_errors(spec: Mapping[str, Any]) -> list[str]:
    errors = []
    unknown = sorted(set(spec) - set(CLASSIFICATION_KEYS))
    if unknown:
        errors.append(f": unknown key(s) {', '.join(unknown)}; valid: {', '.join(CLASSIFICATION_KEYS)}")
    if not isinstance(spec.get("prompt"), str) or not spec["prompt"].strip():
        errors.append(".prompt: a non-empty question is required")
    kind = spec.get("type", "confidence")
    if kind not in CLASSIFICATION_TYPES:
        errors.append(f".type: {kind!r} is not one of {', '.join(CLASSIFICATION_TYPES)}")
    values = spec.get("values")
    if kind == "enum":
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            errors.append(".values: an enum needs a non-empty list of strings")
        elif len(set(values)) != len(values):
            errors.append(".values: the values must be distinct")
    elif values is not None:
        errors.append(".values: only enum classifications take values")
    return errors


def normalise_classifications(
    configured: Any, defaults: Iterable[ClassificationSpec] = ()
) -> dict[str, ClassificationSpec]:
    """The effective classifications by name. Malformed entries are skipped (save reports them)."""
    if configured is None:
        return {spec.name: spec for spec in defaults}
    if not isinstance(configured, Mapping):
        return {}
    result: dict[str, ClassificationSpec] = {}
    for name, entry in configured.items():
        if not isinstance(name, str):
            continue
        if isinstance(entry, str):
            result[name] = ClassificationSpec(name, entry, "confidence")
        elif isinstance(entry, Mapping) and not _entry_errors(entry):
            values = tuple(entry.get("values") or ())
            result[name] = ClassificationSpec(name, entry["prompt"], entry.get("type", "confidence"), values)
    return result


def _property_schema(spec: ClassificationSpec) -> dict[str, Any]:
    if spec.type == "boolean":
        return {"type": "boolean", "description": spec.prompt}
    if spec.type == "enum":
        return {"type": "string", "enum": list(spec.values), "description": spec.prompt}
    return {"type": "number", "minimum": 0, "maximum": 1, "description": spec.prompt}


def reply_schema(classifications: Mapping[str, ClassificationSpec]) -> dict[str, Any]:
    """JSON schema of the LLM's reply: one required property per classification, nothing else."""
    return {
        "type": "object",
        "properties": {name: _property_schema(spec) for name, spec in classifications.items()},
        "required": list(classifications),
        "additionalProperties": False,
    }
