"""The GitHub client on its own: headers, App auth, token cache, pagination, the retry policy and
its errors — over the fake API behind an httpx MockTransport, with the sleep recorded."""

from __future__ import annotations

import time
from typing import Any

import pytest

from integrations.base import IntegrationError
from integrations.github import auth
from integrations.github.client import MAX_ATTEMPTS, GithubClient
from integrations.github.config import github_settings
from tests.github.conftest import SETTINGS, pat_settings
from tests.github.fake_api import INSTALLATION_TOKEN, FakeGithub, TestApp, error, response


def search_all(fake: FakeGithub, query: str = "is:pr is:open assignee:octocat") -> list[Any]:
    with GithubClient(pat_settings()) as api:
        return list(api.search_issues(query, what="test search", limit=1000))


def test_every_request_carries_the_version_media_type_and_token(mock_api: FakeGithub) -> None:
    with GithubClient(pat_settings()) as api:
        api.json("GET", "/user", what="the user")
    [request] = mock_api.requests
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    assert request.headers["authorization"] == "Bearer ghp_TestToken0123456789"


def test_search_follows_link_next_until_there_is_none(mock_api: FakeGithub) -> None:
    results = search_all(mock_api)
    assert len(results) == 5  # 3 on page 1, 2 on page 2: the page size is never assumed
    pages = [r.url.params.get("page") for r in mock_api.requests]
    assert pages == [None, "2"]
    assert mock_api.requests[1].url.params["q"] == "is:pr is:open assignee:octocat"


def test_a_link_to_another_host_is_not_followed_with_the_token(mock_api: FakeGithub) -> None:
    page = response(
        200, {"items": []}, headers={"Link": '<https://evil.example/search/issues?page=2>; rel="next"'}
    )
    mock_api.fail("GET", "/search/issues", page)
    with pytest.raises(IntegrationError, match="refusing to send the token there"):
        search_all(mock_api)
    assert len(mock_api.requests) == 1


def test_a_search_answer_without_items_is_a_clear_error(mock_api: FakeGithub) -> None:
    mock_api.fail("GET", "/search/issues", response(200, {"total_count": 3}))
    with pytest.raises(IntegrationError, match=r"test search \(search page 1\) has no items list"):
        search_all(mock_api)


def test_a_502_then_200_succeeds_after_one_backoff(mock_api: FakeGithub, waits: list[float]) -> None:
    mock_api.fail("GET", "/user", response(502, {"message": "Bad Gateway"}))
    with GithubClient(pat_settings()) as api:
        assert api.json("GET", "/user", what="the user")["login"] == "octocat"
    assert waits == [1.0]


def test_a_persistent_500_fails_after_bounded_retries_with_a_clear_error(
    mock_api: FakeGithub, waits: list[float]
) -> None:
    mock_api.fail("GET", "/user", *[error(500, "500_server_error")] * 10)
    with GithubClient(pat_settings()) as api, pytest.raises(IntegrationError) as failed:
        api.json("GET", "/user", what="the user")
    assert str(failed.value) == (
        f"GitHub answered HTTP 500 for the user; will retry (gave up after {MAX_ATTEMPTS} attempt(s))"
    )
    assert not failed.value.permanent
    assert len(mock_api.requests) == MAX_ATTEMPTS
    assert waits == [1.0, 2.0, 4.0]


def test_a_secondary_rate_limit_waits_for_retry_after_then_retries(
    mock_api: FakeGithub, waits: list[float]
) -> None:
    mock_api.fail("GET", "/user", error(403, "403_secondary_rate_limit", {"Retry-After": "30"}))
    with GithubClient(pat_settings()) as api:
        api.json("GET", "/user", what="the user")
    assert waits == [30.0]
    assert len(mock_api.requests) == 2


def test_a_secondary_rate_limit_longer_than_the_bound_goes_back_to_the_queue(
    mock_api: FakeGithub, waits: list[float]
) -> None:
    mock_api.fail("GET", "/user", error(403, "403_secondary_rate_limit", {"Retry-After": "600"}))
    with GithubClient(pat_settings()) as api, pytest.raises(IntegrationError) as failed:
        api.json("GET", "/user", what="the user")
    assert failed.value.retry_after_s == 600.0
    assert waits == []


def test_a_primary_rate_limit_waits_until_the_reset(
    mock_api: FakeGithub, waits: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "now", lambda: 1_741_086_000.0 - 12)
    limited = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1741086000"}
    mock_api.fail("GET", "/user", error(403, "403_primary_rate_limit", limited))
    with GithubClient(pat_settings()) as api:
        api.json("GET", "/user", what="the user")
    assert waits == [12.0]


@pytest.mark.parametrize(
    ("status", "name", "message"),
    [
        (
            401,
            "401_bad_credentials",
            "GitHub rejected the token (401 Bad credentials) while asking for the user",
        ),
        (404, "404_not_found", "the user: not found (404 Not Found)"),
        (
            422,
            "422_validation_failed",
            "GitHub rejected the user (422 Validation Failed: title missing_field)",
        ),
        (403, "403_not_accessible", "the GitHub App may not access the user"),
    ],
)
def test_client_errors_are_not_retried_and_say_what_to_do(
    mock_api: FakeGithub, waits: list[float], status: int, name: str, message: str
) -> None:
    mock_api.fail("GET", "/user", error(status, name, {"X-RateLimit-Remaining": "4996"}))
    with GithubClient(pat_settings()) as api, pytest.raises(IntegrationError) as failed:
        api.json("GET", "/user", what="the user")
    assert str(failed.value).startswith(message)
    assert failed.value.permanent
    assert len(mock_api.requests) == 1
    assert waits == []


@pytest.fixture
def app() -> TestApp:
    return TestApp()


@pytest.fixture
def app_api(mock_api: FakeGithub, app: TestApp) -> FakeGithub:
    mock_api.app = app
    return mock_api


def test_app_auth_signs_a_jwt_and_uses_the_installation_token(app_api: FakeGithub, app: TestApp) -> None:
    settings = github_settings("github.work", SETTINGS, app.secrets)
    with GithubClient(settings) as api:
        api.json("GET", "/user", what="the user")
    token_request, user_request = app_api.requests
    assert token_request.method == "POST"
    assert token_request.url.path == "/app/installations/7890123/access_tokens"
    [claims] = app_api.jwt_claims  # verified against the App's public key by the fake
    assert claims["iss"] == "123456"
    assert claims["iat"] <= time.time() - 59
    assert claims["exp"] - claims["iat"] == 600
    assert user_request.headers["authorization"] == f"Bearer {INSTALLATION_TOKEN}"


def test_the_installation_token_is_cached_until_shortly_before_it_expires(
    app_api: FakeGithub, app: TestApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    expires = 1_741_086_000.0
    app_api.token_fields = {"expires_at": "2025-03-04T11:00:00Z"}  # = expires
    settings = github_settings("github.work", SETTINGS, app.secrets)
    monkeypatch.setattr(auth, "now", lambda: expires - 3600)
    for _ in range(2):
        with GithubClient(settings) as api:
            api.json("GET", "/user", what="the user")
    monkeypatch.setattr(auth, "now", lambda: expires - auth.REFRESH_BEFORE_S + 1)
    with GithubClient(settings) as api:
        api.json("GET", "/user", what="the user")
    assert app_api.paths("POST").count("/app/installations/7890123/access_tokens") == 2


def test_a_bad_private_key_is_a_clear_permanent_error(app_api: FakeGithub, app: TestApp) -> None:
    settings = github_settings(
        "github.work", SETTINGS, {**app.secrets, "private_key": "-----BEGIN RSA PRIVATE KEY-----\nnope\n"}
    )
    with (
        GithubClient(settings) as api,
        pytest.raises(IntegrationError, match="private_key is not a usable PEM RSA"),
    ):
        api.json("GET", "/user", what="the user")
    assert app_api.requests == []


def test_a_revoked_installation_token_is_forgotten(app_api: FakeGithub, app: TestApp) -> None:
    settings = github_settings("github.work", SETTINGS, app.secrets)
    with GithubClient(settings) as api:
        api.json("GET", "/user", what="the user")
    app_api.revoked = True
    with GithubClient(settings) as api, pytest.raises(IntegrationError, match="rejected the token"):
        api.json("GET", "/user", what="the user")
    assert auth.cached_token(settings) is None


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({}, "github.work: no credentials: set token"),
        ({"app_id": "1", "private_key": "k"}, "App credentials are incomplete (missing installation_id)"),
    ],
)
def test_missing_credentials_say_what_to_set(secrets: dict[str, str], message: str) -> None:
    with pytest.raises(IntegrationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        github_settings("github.work", SETTINGS, secrets)


def test_a_502_on_a_new_comment_is_not_retried_so_it_cannot_be_posted_twice(
    mock_api: FakeGithub, waits: list[float]
) -> None:
    path = "/repos/octo-org/api/issues/7/comments"
    mock_api.fail("POST", path, response(502, {"message": "Bad Gateway"}))
    with GithubClient(pat_settings()) as api, pytest.raises(IntegrationError) as failed:
        api.json("POST", path, what="commenting on octo-org/api#7", body={"body": "hi"})
    assert str(failed.value).startswith(
        "GitHub answered HTTP 502 for commenting on octo-org/api#7, which GitHub may have carried out already"
    )
    assert failed.value.permanent
    assert (len(mock_api.requests), waits) == (1, [])


def test_a_rate_limited_comment_is_retried_since_github_did_not_take_it(
    mock_api: FakeGithub, waits: list[float]
) -> None:
    path = "/repos/octo-org/api/issues/7/comments"
    mock_api.fail("POST", path, error(403, "403_secondary_rate_limit", {"Retry-After": "5"}))
    with GithubClient(pat_settings()) as api:
        api.json("POST", path, what="commenting on octo-org/api#7", body={"body": "hi"})
    assert mock_api.comments == [("octo-org/api#7", "hi")]
    assert waits == [5.0]
