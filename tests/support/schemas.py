"""JSON schemas the test-only integration types declare."""

from __future__ import annotations

from typing import Any


def closed_object(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with these properties, all optional, and no others (how settings schemas are written)."""
    return {"type": "object", "additionalProperties": False, "properties": properties}
