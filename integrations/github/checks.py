"""``doctor`` checks of a github integration: the credentials work, each configured repository is
visible to them, and the rate limit has headroom. Quick: one client, short timeouts, no retries
beyond the client's bounded ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrations.base import CheckResult, IntegrationContext, IntegrationError
from integrations.github.config import GithubSettings, context_settings

if TYPE_CHECKING:  # the client imports httpx (~9 MiB): only when a GitHub call is made
    from integrations.github.client import GithubClient

HEADROOM = 0.1  # warn below 10 % of the hourly budget


def _credentials(client: GithubClient, settings: GithubSettings, name: str) -> CheckResult:
    if settings.uses_app:
        client.json(
            "GET",
            "/installation/repositories",
            what="the App installation's repositories",
            params={"per_page": 1},
        )
        return CheckResult(
            name, True, f"App {settings.app_id} installation {settings.installation_id} token obtained"
        )
    reply = client.request("GET", "/user", what="the token's user")
    login = reply.json("the token's user").get("login")
    scopes = reply.headers.get("x-oauth-scopes")
    detail = f" (scopes: {scopes})" if scopes else " (fine-grained token)"
    return CheckResult(name, True, f"token accepted for {login}{detail}")


def _rate_limit(client: GithubClient, name: str) -> CheckResult:
    body = client.json("GET", "/rate_limit", what="the rate limit")
    core = (body.get("resources") or {}).get("core") or body.get("rate") or {}
    remaining, limit = int(core.get("remaining", 0)), int(core.get("limit", 0))
    if limit and remaining < limit * HEADROOM:
        return CheckResult(name, False, f"only {remaining} of {limit} requests left this hour", warning=True)
    return CheckResult(name, True, f"{remaining} of {limit} requests left this hour")


def github_checks(ctx: IntegrationContext) -> list[CheckResult]:
    label = ctx.integration_id
    try:
        settings = context_settings(ctx)
    except IntegrationError as exc:
        return [CheckResult(f"{label}:settings", False, str(exc))]
    results: list[CheckResult] = []
    from integrations.github.client import GithubClient

    with GithubClient(settings) as client:
        try:
            results.append(_credentials(client, settings, f"{label}:token"))
        except IntegrationError as exc:
            return [CheckResult(f"{label}:token", False, str(exc))]
        for repo in settings.repos:
            name = f"{label}:repo:{repo.full_name}"
            try:
                client.json("GET", f"/repos/{repo.full_name}", what=f"repository {repo.full_name}")
                results.append(CheckResult(name, True, "visible"))
            except IntegrationError as exc:
                results.append(CheckResult(name, False, str(exc)))
        try:
            results.append(_rate_limit(client, f"{label}:rate_limit"))
        except IntegrationError as exc:
            results.append(CheckResult(f"{label}:rate_limit", False, str(exc), warning=True))
    return results
