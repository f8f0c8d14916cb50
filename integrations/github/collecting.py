"""The ``collect`` stage of both platforms: one item's full state, and the text the LLM classifies.

A pull request is ``GET /repos/{repo}/pulls/{n}`` plus its diff (``Accept:
application/vnd.github.diff``), read up to :data:`DIFF_MAX_BYTES` and decoded leniently (bytes that
are not UTF-8 become U+FFFD); an issue is ``GET /repos/{repo}/issues/{n}``. Bodies and diffs are cut
for the LLM with an explicit "(truncated)" note. An item GitHub refuses for good (gone, no access)
is reported on the run and skipped; the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from integrations.base import Collected, IntegrationError, PlatformContext
from integrations.github.config import context_settings
from integrations.github.items import JSON, is_pull_request, labels_of, split_key, text
from orchestrator.llm.framing import LONG_BODY_LIMIT, SHORT_FIELD_LIMIT, prepare

if TYPE_CHECKING:  # the client imports httpx (~9 MiB): only when a GitHub call is made
    from integrations.github.client import GithubClient

logger = logging.getLogger(__name__)
DIFF_MAX_BYTES = 1_000_000  # far more than the LLM sees; bounds memory for a 10 MB diff


def _login(value: Any) -> str | None:
    return str(value["login"]) if isinstance(value, dict) and value.get("login") else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _identity(repo: str, found: JSON) -> JSON:
    """The fields a pull request and an issue snapshot both begin with."""
    return {
        "org": repo.split("/", 1)[0],
        "repo": repo,
        "number": found.get("number"),
        "url": found.get("html_url"),
        "author": _login(found.get("user")),
        "title": text(found.get("title")),
    }


_DIFF_FILE = re.compile(r"^diff --git a/(.+?) b/(.+)$", re.MULTILINE)


def diff_files(diff: str) -> list[str]:
    """The paths a unified diff changes, in order (the new name of a renamed file)."""
    return [match.group(2) for match in _DIFF_FILE.finditer(diff)]


def pull_snapshot(repo: str, pull: JSON, files: list[str] | None = None) -> JSON:
    """The pull request's state; *files* are the changed paths read from its diff, when known."""
    merged = pull.get("merged") is True or bool(pull.get("merged_at"))
    head = pull.get("head") or {}
    base = pull.get("base") or {}
    head, base = (part if isinstance(part, dict) else {} for part in (head, base))
    return {
        **_identity(repo, pull),
        "status": "merged" if merged else str(pull.get("state") or "open"),
        "draft": pull.get("draft") is True,
        "labels": labels_of(pull.get("labels")),
        "additions": _int(pull.get("additions")),
        "deletions": _int(pull.get("deletions")),
        "changed_files": _int(pull.get("changed_files")),
        "created_at": pull.get("created_at"),
        "updated_at": pull.get("updated_at"),
        "head_sha": head.get("sha"),
        "base_branch": base.get("ref"),
        "body": prepare(text(pull.get("body")), LONG_BODY_LIMIT),
        **({"files": files} if files is not None else {}),
    }


def issue_snapshot(repo: str, issue: JSON) -> JSON:
    return {
        **_identity(repo, issue),
        "state": str(issue.get("state") or "open"),
        "labels": labels_of(issue.get("labels")),
        "comment_count": _int(issue.get("comments")),
        "created_at": issue.get("created_at"),
        "updated_at": issue.get("updated_at"),
        "body": prepare(text(issue.get("body")), LONG_BODY_LIMIT),
    }


def _header(snapshot: JSON, kind: str) -> list[str]:
    return [
        f"{kind}: {snapshot['repo']}#{snapshot['number']}",
        f"Title: {prepare(snapshot['title'], SHORT_FIELD_LIMIT)}",
        f"Author: {prepare(snapshot['author'] or '', SHORT_FIELD_LIMIT)}",
        f"Labels: {prepare(', '.join(snapshot['labels']), SHORT_FIELD_LIMIT)}",
    ]


def pull_llm_input(snapshot: JSON, diff: str) -> str:
    size = f"+{snapshot['additions']} -{snapshot['deletions']} in {snapshot['changed_files']} file(s)"
    return "\n".join(
        [*_header(snapshot, "Pull request"), f"Size: {size}", "Body:", snapshot["body"], "Diff:", diff]
    )


def issue_llm_input(snapshot: JSON) -> str:
    return "\n".join(
        [*_header(snapshot, "Issue"), f"Comments: {snapshot['comment_count']}", "Body:", snapshot["body"]]
    )


def _object(client: GithubClient, path: str, what: str) -> JSON:
    body = client.json("GET", path, what=what)
    if not isinstance(body, dict):
        raise IntegrationError(f"GitHub's answer for {what} is not an object", permanent=True)
    return body


def collect_pull(client: GithubClient, key: str) -> Collected:
    from integrations.github.client import DIFF_MEDIA

    repo, number = split_key(key)
    what = f"pull request {key}"
    pull = _object(client, f"/repos/{repo}/pulls/{number}", what)
    diff_reply = client.request(
        "GET", f"/repos/{repo}/pulls/{number}", what=f"the diff of {what}", accept=DIFF_MEDIA,
        max_bytes=DIFF_MAX_BYTES,
    )  # fmt: skip
    full = diff_reply.body.decode("utf-8", errors="replace")
    diff = prepare(full, LONG_BODY_LIMIT)
    if diff_reply.truncated and not diff.endswith("(truncated)"):
        diff += "\n… (truncated)"
    # A cut diff may miss files: the rules use the list only when it counts changed_files.
    snapshot = pull_snapshot(repo, pull, diff_files(full))
    return Collected(key=key, snapshot=snapshot, llm_input=pull_llm_input(snapshot, diff))


def collect_issue(client: GithubClient, key: str) -> Collected:
    repo, number = split_key(key)
    what = f"issue {key}"
    issue = _object(client, f"/repos/{repo}/issues/{number}", what)
    if is_pull_request(issue):
        raise IntegrationError(f"{key} is a pull request, not an issue; skipped", permanent=True)
    snapshot = issue_snapshot(repo, issue)
    return Collected(key=key, snapshot=snapshot, llm_input=issue_llm_input(snapshot))


def _collect(ctx: PlatformContext, keys: list[str], one: Any) -> Iterator[Collected]:
    from integrations.github.client import GithubClient

    with GithubClient(context_settings(ctx)) as client:
        for key in keys:
            try:
                yield one(client, key)
            except IntegrationError as exc:
                if not exc.permanent:
                    raise  # GitHub is down or rate-limited: the queue retries the batch later
                ctx.item_failed(key, str(exc))


def collect_pulls(ctx: PlatformContext, keys: list[str]) -> Iterator[Collected]:
    """``github.pull_requests.collect``."""
    return _collect(ctx, keys, collect_pull)


def collect_issues(ctx: PlatformContext, keys: list[str]) -> Iterator[Collected]:
    """``github.issues.collect``."""
    return _collect(ctx, keys, collect_issue)
