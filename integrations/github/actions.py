"""Actions on a pull request or issue: ``label``/``unlabel`` (soft-reversible), ``comment``.

``label: docs`` adds a label and its undo removes it; ``unlabel: docs`` removes one and its undo puts
it back (an unlabel that found no such label is a no-op, and so is its undo). ``comment: <text>`` is
irreversible: it notifies people. The core's ledger makes sure none of them runs twice. The actions
of one act task share one client (:func:`integrations.github.client.task_client`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from integrations.base import ActionOutcome, ActionSpec, IntegrationError, PlatformContext, Tier
from integrations.github.items import JSON

if TYPE_CHECKING:
    from integrations.base import IntegrationContext
    from integrations.github.client import GithubClient


def task_client(ctx: IntegrationContext) -> GithubClient:
    """:func:`integrations.github.client.task_client`, imported when an action runs: the client
    imports httpx (~9 MiB), which no idle process needs."""
    from integrations.github.client import task_client as shared_client

    return shared_client(ctx)


MAX_LABEL = 50  # GitHub's own limit on a label name
MAX_COMMENT = 65_536


def _where(snapshot: JSON) -> tuple[str, int, str]:
    repo, number = snapshot.get("repo"), snapshot.get("number")
    if not isinstance(repo, str) or not isinstance(number, int):
        raise IntegrationError("the item has no repo/number in its snapshot", permanent=True)
    return repo, number, f"{repo}#{number}"


def _label_name(argument: Any) -> str:
    name = str(argument or "").strip()
    if not name or len(name) > MAX_LABEL:
        raise IntegrationError(
            f"a label name must be 1-{MAX_LABEL} characters, not {name!r:.60}", permanent=True
        )
    return name


def _add(ctx: PlatformContext, snapshot: JSON, name: str) -> None:
    repo, number, key = _where(snapshot)
    task_client(ctx).request(
        "POST", f"/repos/{repo}/issues/{number}/labels", what=f"adding label {name!r} to {key}",
        body={"labels": [name]}, idempotent=True,  # adding a label twice leaves one label
    )  # fmt: skip


def _remove(ctx: PlatformContext, snapshot: JSON, name: str) -> bool:
    """Remove the label; False when the item did not have it (GitHub answers 404)."""
    repo, number, key = _where(snapshot)
    try:
        task_client(ctx).request(
            "DELETE", f"/repos/{repo}/issues/{number}/labels/{quote(name, safe='')}",
            what=f"removing label {name!r} from {key}",
        )  # fmt: skip
    except IntegrationError as exc:
        if "not found (404" in str(exc):
            return False
        raise
    return True


def current_labels(ctx: PlatformContext, snapshot: JSON) -> list[str]:
    repo, number, key = _where(snapshot)
    body = task_client(ctx).json("GET", f"/repos/{repo}/issues/{number}/labels", what=f"the labels of {key}")
    return [str(label.get("name")) for label in body or [] if isinstance(label, dict)]


def label(ctx: PlatformContext, snapshot: JSON, argument: Any) -> ActionOutcome:
    name = _label_name(argument)
    _add(ctx, snapshot, name)
    return ActionOutcome(summary=f"labelled {_where(snapshot)[2]} {name!r}", undo={"label": name})


def label_undo(ctx: PlatformContext, snapshot: JSON, undo: JSON) -> None:
    _remove(ctx, snapshot, str(undo["label"]))


def has_label(ctx: PlatformContext, snapshot: JSON, argument: Any) -> bool:
    return _label_name(argument) in current_labels(ctx, snapshot)


def unlabel(ctx: PlatformContext, snapshot: JSON, argument: Any) -> ActionOutcome:
    name = _label_name(argument)
    key = _where(snapshot)[2]
    if not _remove(ctx, snapshot, name):
        return ActionOutcome(summary=f"{key} had no label {name!r}", undo={})
    return ActionOutcome(summary=f"removed label {name!r} from {key}", undo={"label": name})


def unlabel_undo(ctx: PlatformContext, snapshot: JSON, undo: JSON) -> None:
    if undo.get("label"):
        _add(ctx, snapshot, str(undo["label"]))


def lacks_label(ctx: PlatformContext, snapshot: JSON, argument: Any) -> bool:
    return _label_name(argument) not in current_labels(ctx, snapshot)


def comment(ctx: PlatformContext, snapshot: JSON, argument: Any) -> ActionOutcome:
    body = str(argument or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise IntegrationError(f"a comment must be 1-{MAX_COMMENT} characters", permanent=True)
    repo, number, key = _where(snapshot)
    made = task_client(ctx).json(
        "POST", f"/repos/{repo}/issues/{number}/comments", what=f"commenting on {key}", body={"body": body}
    )
    url = made.get("html_url") if isinstance(made, dict) else None
    return ActionOutcome(summary=f"commented on {key}" + (f" ({url})" if url else ""))


ACTIONS = {
    # Labels are sensitive: a label can trigger CI workflows and notify whoever watches it.
    "label": ActionSpec(
        "label", Tier.SOFT, label, takes_argument=True, undo=label_undo, reconcile=has_label, sensitive=True
    ),
    "unlabel": ActionSpec(
        "unlabel",
        Tier.SOFT,
        unlabel,
        takes_argument=True,
        undo=unlabel_undo,
        reconcile=lacks_label,
        sensitive=True,
    ),
    "comment": ActionSpec("comment", Tier.IRREVERSIBLE, comment, takes_argument=True),
}
