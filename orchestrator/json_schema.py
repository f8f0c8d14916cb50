"""JSON-schema validation errors as readable lines (settings, options, LLM replies, service inputs)."""

from __future__ import annotations

from typing import Any


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """One line per problem, each naming the path that is wrong (``(top level)`` for the root)."""
    # Imported on first use (~4 MiB with attrs and referencing): the models import this module
    # in every process of the tree, validation happens in few.
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    lines = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(part) for part in error.absolute_path) or "(top level)"
        lines.append(f"{path}: {error.message}")
    return lines
