"""A deterministic stand-in for ``orchestrator.llm.classify``, selected with the setting
``STEWARD_CLASSIFIER = "tests.plugins.classifier.classify"``.

Every confidence is 0.9, every boolean true, every enum its first value — unless :data:`ANSWERS`
holds values for the exact ``llm_input`` being classified. Calls are recorded in :data:`CALLS`.
"""

from __future__ import annotations

from typing import Any

DEFAULT_CONFIDENCE = 0.9
CALLS: list[dict[str, Any]] = []
ANSWERS: dict[str, dict[str, Any]] = {}


def _default(prop: dict[str, Any]) -> Any:
    if "enum" in prop:
        return prop["enum"][0]
    if prop.get("type") == "boolean":
        return True
    return DEFAULT_CONFIDENCE


def classify(profile: Any, framed_input: Any, schema: dict[str, Any], *, priority: int) -> dict[str, Any]:
    text = str(framed_input)
    CALLS.append({"profile": getattr(profile, "name", profile), "input": text, "priority": priority})
    answer = {name: _default(prop) for name, prop in schema["properties"].items()}
    answer.update({k: v for k, v in ANSWERS.get(text, {}).items() if k in answer})
    return answer


STORED_BEFORE: list[list[str]] = []


def classify_noting_stored(
    profile: Any, framed_input: Any, schema: dict[str, Any], *, priority: int
) -> dict[str, Any]:
    """Like :func:`classify`, noting in :data:`STORED_BEFORE` which items were already stored as
    classified when the call came."""
    from orchestrator.models import Item

    STORED_BEFORE.append(
        sorted(Item.objects.filter(classified_at__isnull=False).values_list("key", flat=True))
    )
    return classify(profile, framed_input, schema, priority=priority)


def reset() -> None:
    CALLS.clear()
    ANSWERS.clear()
    STORED_BEFORE.clear()


HANG_MARKER = "classify-hung"  # in the data dir: the first call hangs, later ones answer


def classify_hanging_once(
    profile: Any, framed_input: Any, schema: dict[str, Any], *, priority: int
) -> dict[str, Any]:
    """Like :func:`classify`, but the first call in this data dir records its PID and hangs (for a
    test to kill its worker with SIGKILL mid-classify)."""
    import os
    import time
    from pathlib import Path

    from django.conf import settings

    marker = Path(settings.DATA_DIR) / HANG_MARKER
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(600)
    return classify(profile, framed_input, schema, priority=priority)
