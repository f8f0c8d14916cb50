"""A worker SIGKILLed in the middle of ``act``, under real ``qcluster`` processes (docs/SAFETY.md).

The dummy plugin's ``die_once`` option kills the worker right after an action's effect, before
the ledger records it done — the worst moment. On the retry a soft-reversible action is
reconciled (its effect is there) and completed exactly once; an irreversible one is never run
again: it becomes failed with "outcome unknown" and an audit entry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.actions.ledger import OUTCOME_UNKNOWN
from orchestrator.models import ActionRecord, AuditEntry, Integration, PlatformConfig, Run
from orchestrator.running.triggers import integration_trigger
from tests.queue.databases import QueueDatabase
from tests.queue.processes import Clusters, wait_until
from tests.queue.test_workers import SHORT_LEASE, start_and_wait

pytestmark = pytest.mark.slow


def configure(queue_db: QueueDatabase, action: dict[str, str]) -> Path:
    marker = queue_db.data_dir / "died-once"
    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(
        integration=integration,
        name="items",
        options={"count": 1, "die_once": str(marker)},
        classifications={},  # deterministic rules only: no LLM needed
        automations=[{"when": {"n": 1}, "then": action}],
    )
    return marker


def effects(queue_db: QueueDatabase) -> list[dict[str, object]]:
    path = queue_db.data_dir / "dummy" / "dummy.one.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def run_finished() -> bool:
    run = Run.objects.first()
    return run is not None and run.finished_at is not None


def run_killing_the_worker_mid_action(
    queue_db: QueueDatabase, clusters: Clusters, then: dict[str, str]
) -> Path:
    """Run the pipeline with *then* as the automation's action; the worker dies during it."""
    marker = configure(queue_db, then)
    start_and_wait(clusters, "default", **SHORT_LEASE)
    integration_trigger("dummy.one")
    wait_until(run_finished, timeout=90, what="the run to finish after the worker died")
    return marker


def test_a_soft_action_interrupted_by_kill_9_completes_exactly_once(
    queue_db: QueueDatabase, clusters: Clusters
):
    marker = run_killing_the_worker_mid_action(queue_db, clusters, {"tag": "hot"})
    assert marker.exists()  # the worker really was killed mid-action
    assert [e["action"] for e in effects(queue_db)] == ["tag"]
    record = ActionRecord.objects.get()
    assert record.status == "done"


def test_an_irreversible_action_interrupted_by_kill_9_is_never_repeated(
    queue_db: QueueDatabase, clusters: Clusters
):
    marker = run_killing_the_worker_mid_action(queue_db, clusters, {"shout": "hey"})
    assert marker.exists()
    assert [e["action"] for e in effects(queue_db)] == ["shout"]
    record = ActionRecord.objects.get()
    assert (record.status, record.error) == ("failed", OUTCOME_UNKNOWN)
    assert AuditEntry.objects.filter(message__contains="outcome unknown", level="warning").exists()
