"""GitHub test fixtures: the fake API behind a MockTransport, a patched sleep, and ``github.work``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from integrations.github import auth, client
from integrations.github.config import GithubSettings, github_settings
from orchestrator.models import Integration, LLMProfile, PlatformConfig
from tests.github.fake_api import TOKEN, FakeGithub
from tests.pipeline.driving import FAKE_CLASSIFIER

REPOS = [
    "octo-org/api",
    {"repo": "octo-org/web", "context": "React SPA. Include browser and component in issues."},
]
SETTINGS = {"github_user": "octocat", "repos": REPOS}


@pytest.fixture(autouse=True)
def no_cached_tokens() -> Iterator[None]:
    auth.clear_cache()
    yield
    auth.clear_cache()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's sleeps, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(client, "sleep", slept.append)
    return slept


@pytest.fixture
def fake() -> FakeGithub:
    return FakeGithub()


@pytest.fixture
def mock_api(fake: FakeGithub, monkeypatch: pytest.MonkeyPatch, waits: list[float]) -> Iterator[FakeGithub]:
    """Every GitHub client of the test talks to *fake* through an httpx MockTransport."""
    monkeypatch.setattr(client, "TRANSPORT", httpx.MockTransport(fake.handle))
    yield fake
    assert fake.violations == []


def pat_settings(**overrides: Any) -> GithubSettings:
    return github_settings("github.work", {**SETTINGS, **overrides}, {"token": TOKEN})


@pytest.fixture
def github_work(db: None, settings: Any) -> Integration:
    settings.STEWARD_CLASSIFIER = FAKE_CLASSIFIER
    profile = LLMProfile.objects.create(name="default", base_url="http://127.0.0.1:9", model="fake-model")
    integration = Integration.objects.create(
        type="github", name="work", llm=profile, settings=SETTINGS, secrets={"token": TOKEN}
    )
    for name in ("pull_requests", "issues"):
        PlatformConfig.objects.create(integration=integration, name=name, enabled=False)
    return integration


def configure(
    integration: Integration, platform: str, automations: list[Any], **options: Any
) -> PlatformConfig:
    """Enable one platform with these rules, validated as the admin and import_config do."""
    config = integration.platforms.get(name=platform)
    config.enabled = True
    config.automations = automations
    config.options = options
    config.full_clean()
    config.save()
    return config
