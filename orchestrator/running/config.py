"""What follows an integration's configuration when it changes: its schedules (docs/CONFIG.md).

Adapters (admin, ``import_config``) call these after saving or deleting an integration together with
its platforms; they run inside the caller's transaction, so a failed sync rolls the save back.
"""

from __future__ import annotations

from orchestrator.models import Integration
from orchestrator.running.schedules import schedules_sync


def integration_saved(*, integration: Integration) -> None:
    """Call once the integration *and its platforms* are saved: one schedule per enabled platform.

    Reads the stored platforms afresh: the caller's instance may hold a prefetched, now stale, list.
    """
    schedules_sync(Integration.objects.get(pk=integration.pk))


def integration_deleted(*, integration: Integration) -> None:
    """Call after deleting *integration*: its schedules go (its type and name identify them)."""
    schedules_sync(integration, deleted=True)
