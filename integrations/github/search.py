"""The ``check`` stage of both platforms: the searches, de-duplicated into one item per PR/issue.

Each platform runs a few ``/search/issues`` queries (assigned, review-requested, authored, and
mentions when ``include_mentions`` is set), narrowed to the configured ``repos`` and ``orgs``. An item
returned by several queries is listed once. ``fields`` carry what the search result says (cheap), plus
``revision`` — GitHub's ``updated_at`` — which is what makes the pipeline fetch an item again: an item
whose ``updated_at`` did not move is never fetched. A malformed result is reported on the run and
skipped; the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from integrations.base import Discovered, PlatformContext
from integrations.github.config import GithubSettings, context_settings, option_limit
from integrations.github.items import JSON, MalformedItem, common_fields, is_pull_request

if TYPE_CHECKING:  # the client imports httpx (~9 MiB): only when a GitHub call is made
    pass

logger = logging.getLogger(__name__)

OPEN_PULLS = "is:pr is:open archived:false"
OPEN_ISSUES = "is:issue is:open archived:false"


def scope(settings: GithubSettings) -> str:
    """``repo:`` and ``org:`` qualifiers (GitHub ORs qualifiers of one kind)."""
    parts = [f"repo:{repo.full_name}" for repo in settings.repos] + [f"org:{org}" for org in settings.orgs]
    return " ".join(parts)


def pull_queries(settings: GithubSettings, options: dict[str, Any]) -> list[str]:
    user = settings.user
    queries = [
        f"{OPEN_PULLS} assignee:{user}",
        f"{OPEN_PULLS} review-requested:{user}",
        f"{OPEN_PULLS} author:{user} draft:false",  # your own drafts are not ready for anything
    ]
    if options.get("include_mentions"):
        queries.append(f"{OPEN_PULLS} mentions:{user}")
    return [" ".join(filter(None, (q, scope(settings)))) for q in queries]


def issue_queries(settings: GithubSettings, options: dict[str, Any]) -> list[str]:
    user = settings.user
    queries = [f"{OPEN_ISSUES} assignee:{user}", f"{OPEN_ISSUES} author:{user}"]
    if options.get("include_mentions"):
        queries.append(f"{OPEN_ISSUES} mentions:{user}")
    return [" ".join(filter(None, (q, scope(settings)))) for q in queries]


def pull_fields(found: Any) -> tuple[str, JSON] | None:
    key, fields = common_fields(found)
    if not is_pull_request(found):
        return None
    if found.get("draft") is True:
        return None  # drafts are excluded (a draft is not asking anyone for anything yet)
    return key, {**fields, "status": str(found.get("state") or "open"), "draft": False}


def issue_fields(found: Any) -> tuple[str, JSON] | None:
    key, fields = common_fields(found)
    if is_pull_request(found):
        logger.info("%s is a pull request; left to the pull_requests platform", key)
        return None
    comments = found.get("comments")
    return key, {
        **fields,
        "state": str(found.get("state") or "open"),
        "comment_count": comments if isinstance(comments, int) else 0,
    }


def discover(
    ctx: PlatformContext,
    queries: Callable[[GithubSettings, dict[str, Any]], list[str]],
    fields_of: Callable[[Any], tuple[str, JSON] | None],
    what: str,
) -> Iterable[Discovered]:
    settings = context_settings(ctx)
    options = dict(ctx.options)
    limit = option_limit(options)
    found: dict[str, Discovered] = {}
    from integrations.github.client import GithubClient

    with GithubClient(settings) as client:
        for query in queries(settings, options):
            for result in client.search_issues(query, what=f"{what} of {settings.user}", limit=limit):
                try:
                    parsed = fields_of(result)
                except MalformedItem as exc:
                    ctx.item_failed("search", str(exc))
                    continue
                if parsed is None or parsed[0] in found or len(found) >= limit:
                    continue
                key, fields = parsed
                found[key] = Discovered(key, {**fields, "revision": fields.get("updated_at")})
    return list(found.values())


def check_pulls(ctx: PlatformContext, known: Any) -> Iterable[Discovered]:
    """``github.pull_requests.check``."""
    return discover(ctx, pull_queries, pull_fields, "open pull requests")


def check_issues(ctx: PlatformContext, known: Any) -> Iterable[Discovered]:
    """``github.issues.check``."""
    return discover(ctx, issue_queries, issue_fields, "open issues")
