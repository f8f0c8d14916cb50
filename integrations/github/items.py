"""Search results → item keys and fields, tolerant of every shape GitHub has sent.

An item is keyed ``owner/repo#number``. The repository comes from ``repository_url`` (modern),
else from ``url`` or ``html_url`` (2014 results have no ``repository_url``). Whether a result is a
pull request is decided by ``pull_request.html_url`` being set — not by the key being present,
since old search results carried an empty ``pull_request`` object on every issue. A result missing
what a key needs is reported as malformed; missing optional fields become ``None`` or empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from integrations.base import IntegrationError

_REPO_IN_URL = re.compile(r"/repos/([^/]+)/([^/]+)(?:/|$)|^https?://[^/]+/([^/]+)/([^/]+)/(?:issues|pull)/")

JSON = dict[str, Any]


class MalformedItem(IntegrationError):
    """A search result that cannot be turned into an item (the others go on)."""

    def __init__(self, message: str):
        super().__init__(message, permanent=True)


def item_key(repo: str, number: int) -> str:
    return f"{repo}#{number}"


def split_key(key: str) -> tuple[str, int]:
    repo, _, number = key.rpartition("#")
    if "/" not in repo or not number.isdigit():
        raise MalformedItem(f"{key!r} is not an owner/repo#number key")
    return repo, int(number)


def repo_of(found: Mapping[str, Any]) -> str | None:
    for name in ("repository_url", "url", "html_url"):
        value = found.get(name)
        if isinstance(value, str):
            match = _REPO_IN_URL.search(value)
            if match:
                owner, repo = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
                return f"{owner}/{repo}"
    return None


def is_pull_request(found: Mapping[str, Any]) -> bool:
    marker = found.get("pull_request")
    return isinstance(marker, Mapping) and bool(marker.get("html_url") or marker.get("url"))


def _login(value: Any) -> str | None:
    return str(value["login"]) if isinstance(value, Mapping) and value.get("login") else None


def labels_of(value: Any) -> list[str]:
    names = []
    for label in value or []:
        name = label.get("name") if isinstance(label, Mapping) else label
        if isinstance(name, str):
            names.append(name)
    return sorted(names)


def common_fields(found: Any) -> tuple[str, JSON]:
    """(key, the fields every item has) from one search result, or :class:`MalformedItem`."""
    if not isinstance(found, Mapping):
        raise MalformedItem(f"a search result is not an object: {found!r:.80}")
    number = found.get("number")
    repo = repo_of(found)
    if not isinstance(number, int) or isinstance(number, bool) or repo is None:
        ident = found.get("html_url") or found.get("url") or found.get("id") or "?"
        raise MalformedItem(f"a search result ({ident}) has no repository or number; skipped")
    return item_key(repo, number), {
        "org": repo.split("/", 1)[0],
        "repo": repo,
        "number": number,
        "url": found.get("html_url") if isinstance(found.get("html_url"), str) else None,
        "author": _login(found.get("user")),
        "title": str(found.get("title") or ""),
        "labels": labels_of(found.get("labels")),
        "created_at": found.get("created_at"),
        "updated_at": found.get("updated_at"),
    }


def text(value: Any) -> str:
    """A body that may be ``null`` or missing, as text."""
    return value if isinstance(value, str) else ""
