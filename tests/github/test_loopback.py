"""The GitHub integration over real HTTP: a loopback server behind ``api_url``, reached through the
outbound guard (allowed only by ``STEWARD_OUTBOUND_ALLOW``), with App auth, real ``Link``
pagination and one real ``Retry-After`` wait."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from integrations.github import client
from integrations.github.client import GithubClient
from integrations.github.config import github_settings
from orchestrator.models import Integration, Run
from orchestrator.running.triggers import integration_trigger
from tests.github.conftest import SETTINGS, configure
from tests.github.fake_api import FakeGithub, LoopbackServer, TestApp, error
from tests.pipeline.driving import drain

pytestmark = pytest.mark.django_db
DOCS = {"when": {"classification.documentation_only": True, "additions": "< 50"}, "then": {"label": "docs"}}


@pytest.fixture
def app() -> TestApp:
    return TestApp()


@pytest.fixture
def served(app: TestApp) -> Iterator[tuple[FakeGithub, LoopbackServer]]:
    fake = FakeGithub(app=app)
    with LoopbackServer(fake.handle) as server:
        yield fake, server
    assert fake.violations == []


@pytest.fixture
def loopback_work(
    github_work: Integration, served: tuple[FakeGithub, LoopbackServer], app: TestApp
) -> Integration:
    github_work.settings = {**SETTINGS, "api_url": served[1].base_url}
    github_work.secrets = app.secrets
    github_work.save()
    return github_work


def run(platform: str) -> Run:
    integration_trigger("github.work", platform)
    drain()
    return Run.objects.filter(platform=platform).first()


def test_a_loopback_api_url_is_refused_unless_outbound_allow_names_it(
    loopback_work: Integration, served: tuple[FakeGithub, LoopbackServer], settings: Any
) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = []
    configure(loopback_work, "issues", [])
    done = run("issues")
    assert done.status == "failed"
    assert "refusing to connect to 127.0.0.1" in done.error
    assert "STEWARD_OUTBOUND_ALLOW" in done.error
    assert served[0].requests == []


def test_pull_requests_over_real_http_with_app_auth_and_pagination(
    loopback_work: Integration, served: tuple[FakeGithub, LoopbackServer], settings: Any, waits: list[float]
) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    fake, server = served
    configure(loopback_work, "pull_requests", [DOCS])
    done = run("pull_requests")
    assert done.status == "done", done.error
    assert fake.labels["octo-org/api#7"] == ["docs-wanted", "docs"]
    assert fake.paths("POST").count("/app/installations/7890123/access_tokens") == 1  # cached for the run
    pages = [r for r in fake.requests if r.url.path == "/search/issues" and r.url.params.get("page") == "2"]
    assert len(pages) == 1
    assert str(pages[0].url).startswith(server.base_url)


def test_a_secondary_rate_limit_is_waited_out_for_real(
    served: tuple[FakeGithub, LoopbackServer], app: TestApp, settings: Any
) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    fake, server = served
    assert client.sleep is time.sleep
    fake.fail("GET", "/rate_limit", error(403, "403_secondary_rate_limit", {"Retry-After": "1"}))
    settings_ = github_settings("github.work", {**SETTINGS, "api_url": server.base_url}, app.secrets)
    started = time.monotonic()
    with GithubClient(settings_) as api:
        body = api.json("GET", "/rate_limit", what="the rate limit")
    assert time.monotonic() - started >= 1.0
    assert body["resources"]["core"]["remaining"] == 4999
    assert [r.url.path for r in fake.requests].count("/rate_limit") == 2
