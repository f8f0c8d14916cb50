"""Appending to the audit log. Appends are serialised so seqs are contiguous and the chain holds:
the IMMEDIATE transaction on SQLite, a row lock on the head record on PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
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
    return audit_many(
        [
            AuditNote(
                message,
                level=level,
                integration_id=integration_id,
                item_key=item_key,
                action=action,
                provenance=provenance,
            )
        ]
    )[0]


@dataclass(frozen=True)
class AuditNote:
    """One entry to append with :func:`audit_many` (the arguments of :func:`audit`)."""

    message: str
    level: str = AuditEntry.Level.INFO
    integration_id: str = ""
    item_key: str = ""
    action: str = ""
    provenance: str = ""


def audit_many(notes: Sequence[AuditNote]) -> list[AuditEntry]:
    """Append *notes* in order, chained, in one transaction: one head read and one insert for a
    whole batch (a stage task's items) instead of three queries per entry."""
    if not notes:
        return []
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev = head.last_seq, head.last_hash or GENESIS
        entries = []
        for note in notes:
            seq += 1
            fields: dict[str, Any] = {
                "seq": seq,
                "at": timezone.now(),
                "level": note.level,
                "message": note.message,
                "integration_id": note.integration_id,
                "item_key": note.item_key,
                "action": note.action,
                "provenance": note.provenance,
                "prev_hash": prev,
            }
            prev = entry_hash(**fields)
            entries.append(AuditEntry(**fields, hash=prev))
        AuditEntry.objects.bulk_create(entries)
        head.last_seq, head.last_hash = seq, prev
        head.save(update_fields=["last_seq", "last_hash"])
    _mirror(entries)
    return entries


def _mirror(entries: list[AuditEntry]) -> None:
    """Append to the day's markdown file when a logs directory is configured (best effort)."""
    logs_dir = mirror_directories().get("logs")
    if logs_dir is None:
        return
    by_day: dict[Path, list[str]] = {}
    for entry in entries:
        path = Path(logs_dir) / day_file_name(timezone.localtime(entry.at).date())
        by_day.setdefault(path, []).append(entry_line(entry) + "\n")
    for path, lines in by_day.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write("".join(lines))
        except OSError as exc:  # the database entry is the record; the mirror is a convenience
            logger.warning("cannot append %d audit entries to %s: %s", len(lines), path, exc)
