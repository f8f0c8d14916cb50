"""Undoing a done soft-reversible platform action (move the message back, remove the label).

The record is claimed (``done`` → ``undone``) before the platform is called, so two undo requests
cannot both run; if the platform fails, the record goes back to ``done``. Audited.
"""

from __future__ import annotations

from integrations.base import Tier
from orchestrator.actions.intents import kind_of
from orchestrator.audit import audit
from orchestrator.models import ActionRecord, Integration
from orchestrator.pipeline.context import stage_context
from orchestrator.refusals import Refusal
from orchestrator.rules.actions import ActionKind


class UndoError(Refusal):
    """Undo refused or failed; ``status`` is the HTTP status the API answers with."""


def _refusal(record: ActionRecord) -> str | None:
    label = f"Action {record.pk} ({record.action})"
    if record.status == ActionRecord.Status.SHADOW:
        return (
            f"{label} is a shadow row: its automation is in shadow mode, so it was only recorded, "
            "never executed — there is nothing to undo"
        )
    if record.status == ActionRecord.Status.UNDONE:
        return f"{label} was already undone"
    if record.status != ActionRecord.Status.DONE:
        return f"{label} is {record.status}; only done actions can be undone"
    if record.tier != Tier.SOFT.value:
        return f"{label} is {record.tier}; only soft_reversible actions can be undone"
    if kind_of(record.action)[0] is not ActionKind.PLATFORM:
        return f"{label} is a script or service run; it has no undo"
    if record.item is None:
        return f"{label}: its item no longer exists"
    return None


def action_undo(*, record: ActionRecord) -> ActionRecord:
    """Reverse *record* through its platform's ``undo``; raises :class:`UndoError` (409/404/502)."""
    problem = _refusal(record)
    if problem:
        raise UndoError(409, problem)
    item = record.item
    assert item is not None
    type_name, _, name = record.integration_id.partition(".")
    integration = Integration.objects.filter(type=type_name, name=name).first()
    if integration is None or not integration.platforms.filter(name=item.platform).exists():
        raise UndoError(409, f"Action {record.pk}: integration {record.integration_id} is gone")
    ctx = stage_context(integration, item.platform)
    spec = ctx.spec.actions.get(record.action)
    if spec is None or spec.undo is None:
        raise UndoError(409, f"Action {record.pk} ({record.action}) declares no undo on this platform")
    claimed = ActionRecord.objects.filter(pk=record.pk, status=ActionRecord.Status.DONE).update(
        status=ActionRecord.Status.UNDONE
    )
    if not claimed:
        raise UndoError(409, f"Action {record.pk} ({record.action}) was already undone")
    try:
        spec.undo(ctx, dict(item.snapshot or {}), dict(record.undo or {}))
    except Exception as exc:
        ActionRecord.objects.filter(pk=record.pk).update(status=ActionRecord.Status.DONE)
        raise UndoError(502, f"Undo of action {record.pk} failed: {type(exc).__name__}: {exc}") from exc
    record.refresh_from_db()
    audit(
        f"Undid {record.action} on {item.key} ({record.summary or record.rule})",
        integration_id=record.integration_id,
        item_key=item.key,
        action=record.action,
        provenance="human",
    )
    return record
