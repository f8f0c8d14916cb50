"""Driving the pipeline in-process through the real claim path, and configuring ``dummy.one``.

Imported by the pipeline, actions and API tests; their conftests re-export the fixtures.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from orchestrator.models import Integration, LLMProfile, PlatformConfig, Task
from orchestrator.queue.claim import claim_next
from orchestrator.queue.execution import execute
from orchestrator.running.triggers import integration_trigger
from tests.plugins import classifier
from tests.plugins.dummy import read_effects

CLUSTERS = ("interactive", "default")
FAKE_CLASSIFIER = "tests.plugins.classifier.classify"


def drain(limit: int = 500) -> list[Task]:
    """Run every ready task of both clusters here, interactive first, in claim order."""
    ran: list[Task] = []
    while len(ran) < limit:
        task = next(
            (t for cluster in CLUSTERS if (t := claim_next(cluster, lease=timedelta(minutes=5)))), None
        )
        if task is None:
            return ran
        execute(task.pk, task.attempts)
        ran.append(Task.objects.get(pk=task.pk))
    raise AssertionError(f"still draining after {limit} tasks")


def run_pipeline(integration_id: str = "dummy.one") -> list[Task]:
    integration_trigger(integration_id)
    return drain()


def configure(
    integration: Integration,
    *,
    automations: list[Any],
    classifications: Any = None,
    options: dict[str, Any] | None = None,
) -> PlatformConfig:
    """Save the platform's rules through model validation, as the admin and import_config do."""
    config = integration.platforms.get(name="items")
    config.automations = automations
    config.classifications = classifications
    if options is not None:
        config.options = options
    config.full_clean()
    config.save()
    return config


def effects(action: str | None = None) -> list[dict[str, Any]]:
    return [e for e in read_effects("dummy.one") if action is None or e["action"] == action]


@pytest.fixture(autouse=True)
def _fresh_classifier() -> None:
    classifier.reset()


@pytest.fixture
def steward(dummy_integration: Integration, settings: Any) -> Integration:
    """``dummy.one`` with an LLM profile and the fake classifier; effects start empty."""
    settings.STEWARD_CLASSIFIER = FAKE_CLASSIFIER
    profile = LLMProfile.objects.create(name="default", base_url="http://127.0.0.1:9", model="fake-model")
    dummy_integration.llm = profile
    dummy_integration.save(update_fields=["llm"])
    from tests.plugins.dummy import effects_path

    effects_path("dummy.one").unlink(missing_ok=True)
    return dummy_integration
