"""Starting integration runs: the one code path behind the API, the CLI and the scheduler.

Manual and scheduled triggers call :func:`integration_trigger`, so both pass the same checks and
queue policies; an identical pending entry task is returned instead of queueing a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.models import Integration, Task
from orchestrator.pipeline.next_stage import check_enqueue
from orchestrator.refusals import Refusal

SCHEDULED_TRIGGER = "orchestrator.running.triggers.scheduled_trigger"


class TriggerError(Refusal):
    """A trigger was refused; ``status`` is the HTTP status the API answers with."""


def integration_lookup(integration_id: str) -> Integration:
    type_name, _, name = integration_id.partition(".")
    found = Integration.objects.filter(type=type_name, name=name).prefetch_related("platforms")
    integration = found.first() if name else None
    if integration is None:
        raise TriggerError(404, f"Integration '{integration_id}' not found")
    return integration


@dataclass(frozen=True)
class _Entry:
    integration_id: str
    platform: str


def integration_trigger(integration_id: str, platform: str | None = None) -> list[Task]:
    """Queue the entry task of every enabled platform (or of one); errors in docs/API.md's order."""
    from integrations import registry

    integration = integration_lookup(integration_id)
    if not integration.enabled:
        raise TriggerError(409, f"Integration '{integration_id}' is disabled")
    if integration.type not in registry.type_names():
        raise TriggerError(
            409,
            f"Integration '{integration_id}' has type '{integration.type}', which is not installed "
            "(is its plugin listed in STEWARD_PLUGINS?)",
        )
    platforms = integration.enabled_platform_names()
    if not platforms:
        raise TriggerError(400, f"Integration '{integration_id}' has no platforms configured")
    if platform is not None:
        if platform not in platforms:
            raise TriggerError(404, f"Platform '{platform}' not configured in '{integration_id}'")
        platforms = [platform]
    return [check_enqueue(_Entry(integration.integration_id, name)) for name in platforms]


def scheduled_trigger(integration_id: str, platform: str) -> list[str]:
    """Django-Q2 schedule target; a disabled or removed platform is skipped, not an error."""
    try:
        return [task.uid for task in integration_trigger(integration_id, platform)]
    except TriggerError:
        return []
