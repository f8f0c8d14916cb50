"""The github integration's settings and platform options: schemas and a typed view.

Settings are validated against :data:`SETTINGS_SCHEMA` when saved; :func:`github_settings` turns
the stored mapping plus the decrypted secrets into :class:`GithubSettings` and rejects what a schema
cannot express (no credentials, half an App, an ``api_url`` that is not http(s)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from integrations.base import IntegrationContext, IntegrationError

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
REPO_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
APP_SECRETS = ("app_id", "installation_id", "private_key")
SECRET_FIELDS = (*APP_SECRETS, "token")

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["github_user"],
    "properties": {
        "github_user": {
            "type": "string",
            "minLength": 1,
            "description": "The GitHub login whose pull requests and issues are watched",
        },
        "repos": {
            "type": "array",
            "description": "owner/repo, or {repo: owner/repo, context: text for the LLM}",
            "items": {
                "anyOf": [
                    {"type": "string", "pattern": REPO_PATTERN},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["repo"],
                        "properties": {
                            "repo": {"type": "string", "pattern": REPO_PATTERN},
                            "context": {"type": "string"},
                        },
                    },
                ]
            },
        },
        "orgs": {"type": "array", "items": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]+$"}},
        "api_url": {
            "type": "string",
            "minLength": 1,
            "description": "https://api.github.com by default; GitHub Enterprise: https://HOST/api/v3",
        },
    },
}

PULL_OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "include_mentions": {"type": "boolean", "description": "also PRs that mention the user"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
    },
}
ISSUE_OPTIONS_SCHEMA = PULL_OPTIONS_SCHEMA
DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class Repo:
    full_name: str  # owner/repo
    context: str = ""

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]


@dataclass(frozen=True)
class GithubSettings:
    """One github integration's settings, checked, with defaults filled in."""

    integration_id: str
    user: str
    repos: tuple[Repo, ...] = ()
    orgs: tuple[str, ...] = ()
    api_url: str = DEFAULT_API_URL
    token: str = field(default="", repr=False)
    app_id: str = ""
    installation_id: str = ""
    private_key: str = field(default="", repr=False)

    @property
    def uses_app(self) -> bool:
        return not self.token

    def repo(self, full_name: str) -> Repo | None:
        wanted = full_name.lower()
        return next((r for r in self.repos if r.full_name.lower() == wanted), None)


def _repos(raw: Any) -> tuple[Repo, ...]:
    repos = []
    for entry in raw or []:
        if isinstance(entry, str):
            repos.append(Repo(entry))
        elif isinstance(entry, Mapping) and isinstance(entry.get("repo"), str):
            repos.append(Repo(entry["repo"], str(entry.get("context") or "")))
    return tuple(repos)


def _api_url(raw: Any) -> str:
    url = str(raw or DEFAULT_API_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise IntegrationError(
            f"api_url {url!r} is not an http(s) URL; leave it unset for github.com", permanent=True
        )
    return url


def github_settings(
    integration_id: str, stored: Mapping[str, Any], secrets: Mapping[str, str]
) -> GithubSettings:
    """The typed settings; missing or half-given credentials are a permanent error saying what to set."""
    token = str(secrets.get("token") or "").strip()
    app = {name: str(secrets.get(name) or "").strip() for name in APP_SECRETS}
    if not token and not all(app.values()):
        missing = [name for name, value in app.items() if not value]
        given = [name for name, value in app.items() if value]
        what = f"App credentials are incomplete (missing {', '.join(missing)})" if given else "no credentials"
        raise IntegrationError(
            f"{integration_id}: {what}: set token (a personal access token) or all of "
            "app_id, installation_id and private_key (a GitHub App)",
            permanent=True,
        )
    user = str(stored.get("github_user") or "").strip()
    if not user:
        raise IntegrationError(f"{integration_id}: github_user is not set", permanent=True)
    return GithubSettings(
        integration_id=integration_id,
        user=user,
        repos=_repos(stored.get("repos")),
        orgs=tuple(str(org) for org in stored.get("orgs") or ()),
        api_url=_api_url(stored.get("api_url")),
        token=token,
        **(app if not token else {}),
    )


def context_settings(ctx: IntegrationContext) -> GithubSettings:
    return github_settings(ctx.integration_id, ctx.settings, ctx.secrets)


def option_limit(options: Mapping[str, Any]) -> int:
    return int(options.get("limit") or DEFAULT_LIMIT)
