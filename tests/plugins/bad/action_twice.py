"""A plugin that declares the action ``tag`` twice (refused at start)."""

from __future__ import annotations

from integrations.base import ActionOutcome, ActionSpec, IntegrationType, PlatformSpec, Tier, by_name


def _done(*args: object) -> ActionOutcome:
    return ActionOutcome(summary="done")


INTEGRATION_TYPE = IntegrationType(
    type="twice",
    platforms=by_name(
        PlatformSpec(
            name="items",
            check=lambda ctx, known: [],
            collect=lambda ctx, keys: [],
            actions=by_name(ActionSpec("tag", Tier.SOFT, _done), ActionSpec("tag", Tier.IRREVERSIBLE, _done)),
        )
    ),
)
