"""Scripts run by automations become ``script.run`` tasks, gated and ledgered (docs/SAFETY.md)."""

from __future__ import annotations

import pytest

from orchestrator.actions.intents import ActionIntent
from orchestrator.actions.script_runs import script_enqueue
from orchestrator.models import ActionRecord, AuditEntry, Run, Script, Task
from orchestrator.queue import enqueue
from orchestrator.rules.actions import ActionKind
from tests.pipeline.driving import configure, drain, run_pipeline

pytestmark = pytest.mark.django_db


def script_rule(name: str, **inputs: str) -> dict:
    return {"when": {"n": 1}, "then": {"script": {"name": name, "inputs": inputs}}}


def make_script(name: str, shell: str, **fields) -> Script:
    return Script.objects.create(name=name, shell=shell, inputs=fields.pop("inputs", []), **fields)


def test_a_rule_script_runs_as_its_own_task_with_its_declared_inputs(steward):
    make_script(
        "hello", 'log_human "Greeted $STEWARD_INPUT_WHO"; echo "hi $STEWARD_INPUT_WHO"', inputs=["who"]
    )
    configure(steward, automations=[script_rule("hello", who="{{ title }}")], options={"count": 1})
    run_pipeline()
    task = Task.objects.get(type="script.run")
    assert (task.status, task.priority) == ("done", 7)
    assert task.result["stdout"] == "hi Item 1\n"
    assert task.run_id == Run.objects.get().pk
    record = ActionRecord.objects.get()
    assert (record.action, record.status, record.provenance) == ("script:hello", "done", "rule")
    assert AuditEntry.objects.filter(message="script hello: Greeted Item 1").exists()
    assert Run.objects.get().actions_done == 1


def test_a_non_zero_exit_fails_the_task_with_exit_code_and_stderr(steward):
    make_script("broken", "echo 'disk on fire' >&2; exit 3")
    configure(steward, automations=[script_rule("broken")], options={"count": 1})
    run_pipeline()
    task = Task.objects.get(type="script.run")
    assert task.status == "failed"
    assert task.attempts == 1
    assert "exited with code 3" in task.error
    assert "disk on fire" in task.error
    record = ActionRecord.objects.get()
    assert record.status == "failed"
    assert "exited with code 3" in record.error
    assert AuditEntry.objects.filter(level="warning", message__contains="exited with code 3").exists()
    assert Run.objects.get().actions_failed == 1


def test_a_server_secret_is_not_visible_to_the_script(steward, monkeypatch):
    monkeypatch.setenv("STEWARD_ENCRYPTION_KEY", "very-secret-value")
    monkeypatch.setenv("IMAP_PASSWORD", "hunter2")
    make_script("snoop", "env")
    configure(steward, automations=[script_rule("snoop")], options={"count": 1})
    run_pipeline()
    stdout = Task.objects.get(type="script.run").result["stdout"]
    assert "PATH=" in stdout
    assert "very-secret-value" not in stdout
    assert "hunter2" not in stdout


def test_on_output_audit_writes_the_output_to_the_audit_log(steward):
    make_script("count", "RESULT='3 things'", output="RESULT", on_output="audit")
    configure(steward, automations=[script_rule("count")], options={"count": 1})
    run_pipeline()
    assert AuditEntry.objects.filter(message="script count output: 3 things").exists()


def test_a_script_task_arriving_with_llm_provenance_is_blocked_at_run_time(steward):
    make_script("risky", "echo ran")
    payload = ActionIntent(
        kind=ActionKind.SCRIPT,
        name="risky",
        integration_id="dummy.one",
        item=None,
        rule="direct",
        provenance="llm",
    ).task_payload()
    task = enqueue("script.run", payload, priority=7)
    drain()
    task.refresh_from_db()
    assert task.result["status"] == "blocked"
    record = ActionRecord.objects.get()
    assert (record.action, record.status) == ("script:risky", "blocked")
    assert AuditEntry.objects.filter(
        action="script:risky", level="warning", message__startswith="Blocked"
    ).exists()


def test_a_script_task_without_provenance_counts_as_untrusted(steward):
    make_script("risky", "echo ran")
    task = enqueue("script.run", {"kind": "script", "name": "risky"}, priority=7)
    drain()
    task.refresh_from_db()
    assert task.result["status"] == "blocked"


def test_an_unknown_script_cannot_be_queued(steward):
    intent = ActionIntent(
        kind=ActionKind.SCRIPT, name="nope", integration_id="", item=None, rule="direct", provenance="rule"
    )
    with pytest.raises(ValueError, match="not defined"):
        script_enqueue(intent=intent)
