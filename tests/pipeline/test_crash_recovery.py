"""A worker killed mid-action (docs/SAFETY.md): the ledger row is left ``started`` and the task is retried.

The kill is simulated exactly: the action raises a BaseException, which escapes the task runner
like a dying process would — the task stays ``running`` with its lease, the ledger row
``started``. Expiring the lease lets the real claim path hand the task out again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from integrations.base import ActionSpec, Tier
from orchestrator.models import ActionRecord, AuditEntry, Task
from tests.pipeline.driving import configure, drain, effects, run_pipeline
from tests.plugins import dummy

pytestmark = pytest.mark.django_db

ACTIONS = dummy.INTEGRATION_TYPE.platforms["items"].actions
SERVICES = dummy.INTEGRATION_TYPE.services


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing after it runs, not even the runner's except clauses."""


def dying(real: Any, *, after_effect: bool) -> Any:
    def run(*args: Any) -> Any:
        if after_effect:
            real(*args)
        raise WorkerKilled

    return run


def kill_during(monkeypatch: pytest.MonkeyPatch, name: str, spec: ActionSpec) -> None:
    monkeypatch.setitem(ACTIONS, name, spec)
    with pytest.raises(WorkerKilled):
        run_pipeline()
    monkeypatch.undo()
    assert ActionRecord.objects.get(action=name).status == "started"
    # The dead worker's lease runs out; the claim path hands the task to the next worker.
    Task.objects.filter(status="running").update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_soft_action_found_started_is_redone_exactly_once(steward, monkeypatch):
    configure(steward, automations=[{"when": {"n": 1}, "then": {"tag": "hot"}}], options={"count": 1})
    real = ACTIONS["tag"]
    kill_during(monkeypatch, "tag", ActionSpec("tag", Tier.SOFT, dying(real.run, after_effect=False), True))
    drain()
    assert effects("tag") == [{"action": "tag", "n": 1, "name": "hot"}]
    record = ActionRecord.objects.get()
    assert record.status == "done"
    assert record.undo == {"name": "hot"}
    act = Task.objects.get(type="dummy.items.act")
    assert (act.status, act.attempts) == ("done", 2)
    run_pipeline()
    assert len(effects("tag")) == 1


def test_soft_action_the_source_shows_done_is_reconciled_not_redone(steward, monkeypatch):
    configure(steward, automations=[{"when": {"n": 1}, "then": {"tag": "hot"}}], options={"count": 1})
    real = ACTIONS["tag"]

    def already_tagged(ctx: Any, snapshot: dict[str, Any], name: Any) -> bool:
        return any(e["action"] == "tag" and e["name"] == name for e in effects())

    crashing = ActionSpec(
        "tag", Tier.SOFT, dying(real.run, after_effect=True), True, real.undo, already_tagged
    )
    kill_during(monkeypatch, "tag", crashing)
    monkeypatch.setitem(
        ACTIONS, "tag", ActionSpec("tag", Tier.SOFT, real.run, True, real.undo, already_tagged)
    )
    drain()
    assert len(effects("tag")) == 1
    assert ActionRecord.objects.get().status == "done"
    assert AuditEntry.objects.filter(message__contains="found done on retry").count() == 1


def test_irreversible_action_found_started_is_never_re_run(steward, monkeypatch):
    configure(steward, automations=[{"when": {"n": 1}, "then": {"shout": "hey"}}], options={"count": 1})
    real = ACTIONS["shout"]
    kill_during(
        monkeypatch, "shout", ActionSpec("shout", Tier.IRREVERSIBLE, dying(real.run, after_effect=True), True)
    )
    drain()
    assert len(effects("shout")) == 1
    record = ActionRecord.objects.get()
    assert record.status == "failed"
    assert record.error.startswith("outcome unknown (worker died during execution)")
    entry = AuditEntry.objects.get(action="shout", level="warning")
    assert "outcome unknown" in entry.message
    run_pipeline()
    assert len(effects("shout")) == 1


def test_service_found_started_is_never_re_run(steward, monkeypatch):
    echo = {"service": {"call": "dummy.one.echo", "inputs": {"text": "{{ title }}"}}}
    configure(steward, automations=[{"when": {"n": 1}, "then": echo}], options={"count": 1})
    real = SERVICES["echo"]
    from dataclasses import replace

    monkeypatch.setitem(SERVICES, "echo", replace(real, run=dying(real.run, after_effect=True)))
    with pytest.raises(WorkerKilled):
        run_pipeline()
    monkeypatch.undo()
    Task.objects.filter(status="running").update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    drain()
    assert len(effects("echo")) == 1
    record = ActionRecord.objects.get()
    assert (record.action, record.status) == ("dummy.one.echo", "failed")
    assert "outcome unknown" in record.error
    service_task = Task.objects.get(type="service.dummy.echo")
    assert service_task.result["status"] == "outcome_unknown"
