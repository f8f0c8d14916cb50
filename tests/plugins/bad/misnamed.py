"""Two types from one module: ``fine`` is sound, ``misnamed`` keys an action under another name.

Neither may be registered (a start with a bad plugin registers nothing of it)."""

from __future__ import annotations

from integrations.base import ActionOutcome, ActionSpec, IntegrationType, PlatformSpec, Tier


def _done(*args: object) -> ActionOutcome:
    return ActionOutcome(summary="done")


def _platform(actions: dict[str, ActionSpec]) -> PlatformSpec:
    return PlatformSpec(
        name="items", check=lambda ctx, known: [], collect=lambda ctx, keys: [], actions=actions
    )


INTEGRATION_TYPES = [
    IntegrationType(
        type="fine", platforms={"items": _platform({"tag": ActionSpec("tag", Tier.SOFT, _done)})}
    ),
    IntegrationType(
        type="misnamed", platforms={"items": _platform({"label": ActionSpec("tag", Tier.SOFT, _done)})}
    ),
]
