"""What every fault test asserts once the fault has passed: all items processed, each action done
exactly once in the ledger and at the source, the audit chain intact."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from orchestrator.audit.chain import verify_chain
from orchestrator.models import ActionRecord, Item, Run, Task


def effects_in(data_dir: Path) -> list[dict[str, object]]:
    """What the dummy source saw done, as written by the worker processes into their data dir."""
    path = data_dir / "dummy" / "dummy.one.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []


def assert_processed_once(data_dir: Path, count: int, *, action: str = "tag") -> None:
    effects = [e for e in effects_in(data_dir) if e["action"] == action]
    per_item = Counter(e["n"] for e in effects)
    assert sorted(per_item) == list(range(1, count + 1)), "every item acted on"
    assert set(per_item.values()) == {1}, f"an action ran twice: {per_item.most_common(3)}"
    records = ActionRecord.objects.filter(action=action)
    assert records.count() == count
    assert set(records.values_list("status", flat=True)) == {"done"}
    assert Item.objects.count() == count
    assert not Task.objects.filter(status="failed").exists(), list(
        Task.objects.filter(status="failed").values_list("type", "error")
    )
    assert not Run.objects.filter(finished_at__isnull=True).exists()


def assert_audit_chain_intact() -> None:
    verdict = verify_chain()
    assert verdict.ok, verdict.reason
