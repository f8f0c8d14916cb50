"""Appending to the audit log. Appends are serialised so seqs are contiguous and the chain holds:
the IMMEDIATE transaction on SQLite, a row lock on the head record on PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from orchestrator.audit.chain import GENESIS, entry_hash
from orchestrator.audit.render import day_file_name, entry_line
from orchestrator.mirrors import mirror_directories
from orchestrator.models.audit import AuditEntry, AuditHead

logger = logging.getLogger(__name__)


def audit(
    message: str,
    *,
    level: str = AuditEntry.Level.INFO,
    integration_id: str = "",
    item_key: str = "",
    action: str = "",
    provenance: str = "",
) -> AuditEntry:
    """Record one thing a person would want to know. Never pass secrets in *message*."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        fields: dict[str, Any] = {
            "seq": head.last_seq + 1,
            "at": timezone.now(),
            "level": level,
            "message": message,
            "integration_id": integration_id,
            "item_key": item_key,
            "action": action,
            "provenance": provenance,
            "prev_hash": head.last_hash or GENESIS,
        }
        entry = AuditEntry.objects.create(**fields, hash=entry_hash(**fields))
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    _mirror(entry)
    return entry


def _mirror(entry: AuditEntry) -> None:
    """Append to the day's markdown file when a logs directory is configured (best effort)."""
    logs_dir = mirror_directories().get("logs")
    if logs_dir is None:
        return
    local = timezone.localtime(entry.at)
    path = Path(logs_dir) / day_file_name(local.date())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(entry_line(entry) + "\n")
    except OSError as exc:  # the database entry is the record; the mirror is a convenience
        logger.warning("cannot append audit entry #%s to %s: %s", entry.seq, path, exc)
