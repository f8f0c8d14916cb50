"""Two test-only integration types with settings and secrets (the dummy type has neither).

``mailish`` is shaped like the email type (closed settings schema, secret ``password``, platform
``inbox`` with options ``limit``/``window``); ``oracle`` is service-only with secret ``api_key``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from integrations import registry
from integrations.base import (
    ActionOutcome,
    ActionSpec,
    ClassificationSpec,
    IntegrationType,
    PlatformSpec,
    ServiceSpec,
    Tier,
)
from tests.support.schemas import closed_object


def _nothing(*args: Any) -> list[Any]:
    return []


def _done(*args: Any) -> ActionOutcome:
    return ActionOutcome(summary="done")


MAILISH = IntegrationType(
    type="mailish",
    settings_schema=closed_object(
        {
            "server": {"type": "string"},
            "port": {"type": "integer"},
            "folders": {"type": "array", "items": {"type": "string"}},
        }
    ),
    secret_fields=("username", "password"),
    platforms={
        "inbox": PlatformSpec(
            name="inbox",
            check=_nothing,
            collect=_nothing,
            options_schema=closed_object(
                {"limit": {"type": "integer", "minimum": 1}, "window": {"type": "string"}}
            ),
            default_classifications=(ClassificationSpec("human", "Written by a human?"),),
            deterministic_sources=frozenset({"from_address", "is_read", "domain"}),
            actions={
                "archive": ActionSpec("archive", Tier.SOFT, _done),
                "move_to": ActionSpec("move_to", Tier.SOFT, _done, takes_argument=True),
                "unsubscribe": ActionSpec("unsubscribe", Tier.IRREVERSIBLE, _done),
            },
        ),
        "sent": PlatformSpec(name="sent", check=_nothing, collect=_nothing),
    },
)

ORACLE = IntegrationType(
    type="oracle",
    settings_schema=closed_object({"model": {"type": "string"}}),
    secret_fields=("api_key",),
    services={
        "ask": ServiceSpec(
            name="ask",
            run=lambda ctx, inputs: "",
            input_schema={"type": "object", "properties": {"prompt": {"type": "string"}}},
        )
    },
)


@pytest.fixture(autouse=True)
def test_integration_types() -> Iterator[None]:
    for integration_type in (MAILISH, ORACLE):
        registry.register(integration_type)
    yield
    for integration_type in (MAILISH, ORACLE):
        registry._types.pop(integration_type.type, None)  # the registry has no public unregister


# Stand-ins for the built-in types the Appendix A reference uses, registered only while the real
# ones are not installed: open settings schemas, the secret fields the appendix marks `!secret`,
# and the actions, sources and classifications its automations name.
REFERENCE_STAND_INS = (
    IntegrationType(
        type="email",
        secret_fields=("password",),
        platforms={
            "inbox": PlatformSpec(
                name="inbox",
                check=_nothing,
                collect=_nothing,
                deterministic_sources=frozenset(
                    {
                        "is_calendar_event",
                        "is_noreply",
                        "domain",
                        "is_unsubscribable",
                        "from_address",
                        "is_read",
                    }
                ),
                actions={
                    "archive": ActionSpec("archive", Tier.SOFT, _done),
                    "move_to": ActionSpec("move_to", Tier.SOFT, _done, takes_argument=True),
                    "draft_reply": ActionSpec("draft_reply", Tier.SOFT, _done, takes_argument=True),
                    "unsubscribe": ActionSpec("unsubscribe", Tier.IRREVERSIBLE, _done),
                },
            )
        },
    ),
    IntegrationType(
        type="github",
        secret_fields=("app_id", "installation_id", "private_key", "token"),
        platforms={
            "pull_requests": PlatformSpec(
                name="pull_requests",
                check=_nothing,
                collect=_nothing,
                default_classifications=(ClassificationSpec("documentation_only", "Docs only?", "boolean"),),
                deterministic_sources=frozenset({"additions"}),
                actions={"label": ActionSpec("label", Tier.SOFT, _done, takes_argument=True)},
            ),
            "issues": PlatformSpec(name="issues", check=_nothing, collect=_nothing),
        },
    ),
    IntegrationType(
        type="gemini",
        secret_fields=("api_key",),
        services={
            "web_research": ServiceSpec(
                name="web_research", run=lambda ctx, inputs: "", input_schema={"type": "object"}
            )
        },
    ),
)


@pytest.fixture
def reference_types() -> Iterator[None]:
    added = [t for t in REFERENCE_STAND_INS if t.type not in registry.type_names()]
    for integration_type in added:
        registry.register(integration_type)
    yield
    for integration_type in added:
        registry._types.pop(integration_type.type, None)
