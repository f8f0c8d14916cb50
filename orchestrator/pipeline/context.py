"""The read-only view of configuration that stage handlers and actions receive."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.base import PlatformSpec
from orchestrator.models import Integration, Item, PlatformConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageContext:
    integration_id: str
    platform: str
    settings: Mapping[str, Any]
    secrets: Mapping[str, str]
    options: Mapping[str, Any]
    spec: PlatformSpec
    run_id: int | None = None

    def __repr__(self) -> str:  # never print secrets
        return f"StageContext({self.integration_id}/{self.platform})"

    def stored_fields(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The fields ``check`` stored for these items (the plugin contract's stored-state seam)."""
        rows = Item.objects.filter(
            integration_id=self.integration_id, platform=self.platform, key__in=list(keys)
        )
        return {key: fields or {} for key, fields in rows.values_list("key", "fields")}

    def item_failed(self, key: str, error: str) -> None:
        """One item could not be read (the batch goes on): counted on the run and logged."""
        from orchestrator.running.runs import run_count

        logger.warning("%s/%s: %s: %s", self.integration_id, self.platform, key, error)
        run_count(self.run_id, items_failed=1)


def stage_context(integration: Integration, platform: str) -> StageContext:
    # From the prefetched platforms when the caller loaded them (one query fewer per stage task).
    config = next((p for p in integration.platforms.all() if p.name == platform), None)
    if config is None:
        raise PlatformConfig.DoesNotExist(f"Platform '{platform}' not configured in '{integration}'")
    return StageContext(
        integration_id=integration.integration_id,
        platform=platform,
        settings=dict(integration.settings),
        secrets=dict(integration.secrets),
        options=dict(config.options),
        spec=integration.spec.platforms[platform],
    )


def task_context(payload: Mapping[str, Any]) -> StageContext:
    """The context a stage task's payload names; a deleted integration or platform fails for good."""
    from integrations.base import IntegrationError
    from orchestrator.running.triggers import TriggerError, integration_lookup

    try:
        integration = integration_lookup(payload["integration"])
    except TriggerError as exc:
        raise IntegrationError(f"{exc.detail} (deleted since the task was queued?)", permanent=True) from None
    platform = payload["platform"]
    if platform not in integration.enabled_platform_names():
        raise IntegrationError(
            f"Platform '{platform}' is no longer enabled in '{integration}'", permanent=True
        )
    return stage_context(integration, platform)
