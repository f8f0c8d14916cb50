"""Audit entries about one action: the one helper for the gate, the runners, the ledger and approvals."""

from __future__ import annotations

from typing import Protocol

from orchestrator.audit.log import audit
from orchestrator.models import AuditEntry, Item


class AuditedAction(Protocol):
    """What an audit line about an action names: an intent, a ledger row or an approval."""

    @property
    def integration_id(self) -> str: ...

    @property
    def item(self) -> Item | None: ...

    @property
    def action(self) -> str: ...

    @property
    def provenance(self) -> str: ...


def action_audit(subject: AuditedAction, message: str, *, warning: bool = False) -> AuditEntry:
    """An audit entry carrying *subject*'s integration, item, action and provenance."""
    item = subject.item
    return audit(
        message,
        level=AuditEntry.Level.WARNING if warning else AuditEntry.Level.INFO,
        integration_id=subject.integration_id,
        item_key=item.key if item else "",
        action=subject.action,
        provenance=subject.provenance,
    )
