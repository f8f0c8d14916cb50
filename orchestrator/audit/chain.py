"""The hash chain over audit entries and its verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from orchestrator.models.audit import AuditEntry, AuditHead

GENESIS = "0" * 64
# What the hash covers, in order: every field of an entry but its own hash.
HASHED_FIELDS = (
    "seq",
    "at",
    "level",
    "message",
    "integration_id",
    "item_key",
    "action",
    "provenance",
    "prev_hash",
)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    level: str,
    message: str,
    integration_id: str,
    item_key: str,
    action: str,
    provenance: str,
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        [seq, at.isoformat(), level, message, integration_id, item_key, action, provenance, prev_hash],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def hash_of(entry: AuditEntry) -> str:
    return entry_hash(**{name: getattr(entry, name) for name in HASHED_FIELDS})


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain() -> Verdict:
    """Walk the whole log: contiguous seqs from 1, each hash recomputed and linked, head matches."""
    expected_seq = 1
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return Verdict(False, checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev:
            return Verdict(False, checked, entry.seq, f"entry #{entry.seq} does not link to #{entry.seq - 1}")
        if hash_of(entry) != entry.hash:
            return Verdict(False, checked, entry.seq, f"entry #{entry.seq} was edited")
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    if last_seq != checked or (head and head.last_hash and head.last_hash != prev):
        return Verdict(
            False,
            checked,
            checked + 1,
            f"the log ends at #{checked} but the head record says #{last_seq}: entries were deleted",
        )
    return Verdict(True, checked)
