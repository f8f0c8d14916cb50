"""``doctor`` for github integrations: credentials, each configured repository, rate-limit headroom."""

from __future__ import annotations

import pytest

from integrations.base import CheckResult
from integrations.github.checks import github_checks
from orchestrator.checks import check_integrations
from orchestrator.models import Integration
from tests.github.conftest import SETTINGS
from tests.github.fake_api import TOKEN, FakeGithub, TestApp, response


class Ctx:
    integration_id = "github.work"

    def __init__(self, settings: dict[str, object] | None = None, secrets: dict[str, str] | None = None):
        self.settings = settings or SETTINGS
        self.secrets = secrets if secrets is not None else {"token": TOKEN}


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.name: result for result in results}


def test_a_working_token_visible_repos_and_headroom_all_pass(mock_api: FakeGithub) -> None:
    results = by_name(github_checks(Ctx()))
    assert set(results) == {
        "github.work:token",
        "github.work:repo:octo-org/api",
        "github.work:repo:octo-org/web",
        "github.work:rate_limit",
    }
    assert all(r.ok for r in results.values())
    assert results["github.work:token"].message == "token accepted for octocat (scopes: repo)"
    assert results["github.work:rate_limit"].message == "4999 of 5000 requests left this hour"


def test_a_revoked_token_fails_the_token_check_and_stops_there(mock_api: FakeGithub) -> None:
    mock_api.revoked = True
    [result] = github_checks(Ctx())
    assert (result.name, result.ok) == ("github.work:token", False)
    assert result.message.startswith("GitHub rejected the token (401 Bad credentials)")


def test_a_repo_the_app_cannot_see_is_named(mock_api: FakeGithub) -> None:
    mock_api.app = TestApp()
    mock_api.forbidden_repos.add("octo-org/web")
    results = by_name(github_checks(Ctx(secrets=mock_api.app.secrets)))
    assert results["github.work:token"].ok
    assert results["github.work:repo:octo-org/api"].ok
    web = results["github.work:repo:octo-org/web"]
    assert not web.ok
    assert "the GitHub App may not access repository octo-org/web" in web.message


def test_a_missing_repo_says_not_found(mock_api: FakeGithub) -> None:
    mock_api.hidden_repos.add("octo-org/api")
    result = by_name(github_checks(Ctx()))["github.work:repo:octo-org/api"]
    assert result.message.startswith("repository octo-org/api: not found (404 Not Found)")


def test_low_rate_limit_headroom_is_a_warning(mock_api: FakeGithub) -> None:
    low = {"resources": {"core": {"limit": 5000, "remaining": 12}}}
    mock_api.fail("GET", "/rate_limit", response(200, low))
    result = by_name(github_checks(Ctx()))["github.work:rate_limit"]
    assert (result.ok, result.warning, result.message) == (
        False,
        True,
        "only 12 of 5000 requests left this hour",
    )


def test_settings_without_credentials_are_one_clear_failure() -> None:
    [result] = github_checks(Ctx(secrets={}))
    assert (result.name, result.ok) == ("github.work:settings", False)


@pytest.mark.django_db
def test_doctor_runs_the_declared_checks_of_each_enabled_github_integration(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    names = [r.name for r in check_integrations() if r.name.startswith("github.work")]
    assert names[0] == "github.work:token"
    assert len(names) == 4
