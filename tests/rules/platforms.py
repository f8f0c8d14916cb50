"""The platforms, classifications and catalog the rules tests compile against.

``DUMMY`` is the test plugin's ``items`` platform (deterministic n/title/tags; ``tag`` soft,
``shout`` irreversible). ``MAIL`` is a small email-like platform for what the dummy lacks: bare
actions, a hard-reversible action and dotted deterministic sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from integrations.base import ActionOutcome, ActionSpec, ClassificationSpec, PlatformSpec, Tier
from orchestrator.rules.automations import CompileResult, compile_automations
from orchestrator.rules.classifications import normalise_classifications
from orchestrator.rules.validation import ValidationReport, automation_errors_for
from tests.plugins.dummy import INTEGRATION_TYPE

DUMMY = INTEGRATION_TYPE.platforms["items"]
NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
SCRIPTS = {"notify": False, "tidy": True}
SERVICES = {"dummy.one.echo": False}

# A configured set for the dummy platform with all three classification types.
CLASSIFICATIONS: dict[str, Any] = {
    "interesting": "Is this item interesting?",
    "urgent": {"prompt": "Is it urgent?", "type": "boolean"},
    "kind": {"prompt": "What kind?", "type": "enum", "values": ["a", "b", "c"]},
}
SPECS = normalise_classifications(CLASSIFICATIONS)


def _noop(*args: Any) -> ActionOutcome:
    return ActionOutcome(summary="nothing")


def _action(name: str, tier: Tier, takes_argument: bool = False) -> ActionSpec:
    return ActionSpec(name, tier, _noop, takes_argument=takes_argument)


MAIL = PlatformSpec(
    name="inbox",
    check=lambda ctx, known: [],
    collect=lambda ctx, keys: [],
    default_classifications=(
        ClassificationSpec("human", "Written by a human?"),
        ClassificationSpec("priority", "Priority?", "enum", ("low", "medium", "high", "critical")),
    ),
    deterministic_sources=frozenset(
        {"from_address", "domain", "root_domain", "subject", "authentication", "calendar", "is_noreply"}
    ),
    actions={
        "archive": _action("archive", Tier.SOFT),
        "move_to": _action("move_to", Tier.SOFT, takes_argument=True),
        "spam": _action("spam", Tier.HARD),
        "unsubscribe": _action("unsubscribe", Tier.IRREVERSIBLE),
    },
)


def compile_dummy(automations: Any, classifications: Any = CLASSIFICATIONS) -> CompileResult:
    return compile_automations(
        automations,
        platform=DUMMY,
        classifications=normalise_classifications(classifications, DUMMY.default_classifications),
        scripts=SCRIPTS,
        services=SERVICES,
    )


def validate(
    automations: Any,
    *,
    platform: PlatformSpec | None = DUMMY,
    classifications: Any = CLASSIFICATIONS,
    scripts: Mapping[str, bool] = SCRIPTS,
) -> ValidationReport:
    return automation_errors_for(platform, classifications, automations, scripts=scripts, services=SERVICES)
