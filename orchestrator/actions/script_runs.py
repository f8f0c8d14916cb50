"""The ``script.run`` task: gate, ledger, run the configured Script, report.

Only the script's declared inputs reach it (as ``STEWARD_INPUT_<NAME>``). Lines written with
``log_human`` go to the audit log, ``log_info``/``log_warn`` to the operational log; with
``on_output: audit`` the captured output is audited too. A non-zero exit or a timeout fails the
task, with the exit code and stderr in its error and on the ledger row.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from orchestrator.actions.gate import ActionRefused, Outcome, intent_admit, outcome_count
from orchestrator.actions.intents import ActionIntent, intent_from_task
from orchestrator.actions.ledger import ledger_done, ledger_failed, ledger_outcome_unknown
from orchestrator.actions.scripts import ScriptRun, run_script
from orchestrator.audit import action_audit
from orchestrator.models import Run, Script, Task
from orchestrator.queue import enqueue, task_handler
from orchestrator.rules.actions import reversible_tier

logger = logging.getLogger(__name__)

SCRIPT_TASK = "script.run"
SCRIPT_PRIORITY = 7
STDERR_IN_ERROR = 2000
# Leave the worker time to record the outcome after a script's own timeout.
TIMEOUT_CEILING_S = settings.TASK_MAX_RUNTIME_S - 30


class ScriptFailed(Exception):
    """A script exited non-zero or timed out; a person has to look, so it is not retried."""

    permanent = True


def script_enqueue(*, intent: ActionIntent, priority: int = SCRIPT_PRIORITY, run: Run | None = None) -> Task:
    if not Script.objects.filter(name=intent.name).exists():
        raise ValueError(f"script {intent.name!r} is not defined")
    return enqueue(SCRIPT_TASK, intent.task_payload(), priority=priority, run=run)


def _failure(run: ScriptRun, timeout_s: int) -> str:
    stderr = run.stderr.strip()[-STDERR_IN_ERROR:]
    what = f"timed out after {timeout_s} s" if run.timed_out else f"exited with code {run.exit_code}"
    return what + (f"; stderr: {stderr}" if stderr else "; stderr empty")


def _report_logs(intent: ActionIntent, script: Script, run: ScriptRun) -> None:
    for level, message in run.logs:
        if level == "human":
            action_audit(intent, f"script {script.name}: {message}")
        elif level == "warn":
            logger.warning("script %s: %s", script.name, message)
        else:
            logger.info("script %s: %s", script.name, message)


@task_handler(SCRIPT_TASK, max_runtime_s=settings.TASK_MAX_RUNTIME_S, max_attempts=3)
def script_task(task: Task) -> dict[str, Any]:
    """Run one configured script (payload: :meth:`ActionIntent.task_payload`).

    Gate 2 runs here again, whatever queued the task. A script found ``started`` on a retry (its
    worker died) is never re-run: it becomes "outcome unknown" for a person to check.
    """
    intent = intent_from_task(task.payload)
    script = Script.objects.filter(name=intent.name).first()
    tier = reversible_tier(script.reversible) if script else reversible_tier(False)
    admission = intent_admit(intent, tier=tier, task=task)
    if not admission.may_run:
        outcome_count(task.run_id, admission.outcome)
        return {"status": admission.outcome.value, "action_id": admission.record.pk}
    record = admission.record
    if admission.outcome is Outcome.INTERRUPTED:
        ledger_outcome_unknown(record)
        outcome_count(task.run_id, Outcome.FAILED)
        return {"status": "outcome_unknown", "action_id": record.pk}
    if script is None:
        ledger_failed(record, error=f"script {intent.name!r} is not defined (deleted since it was queued?)")
        outcome_count(task.run_id, Outcome.FAILED)
        raise ActionRefused(record.error)
    timeout_s = min(script.timeout, TIMEOUT_CEILING_S)
    inputs = {name: intent.inputs.get(name, "") for name in script.inputs}
    run = run_script(shell=script.shell, inputs=inputs, timeout_s=timeout_s, output_var=script.output)
    _report_logs(intent, script, run)
    if not run.ok:
        error = _failure(run, timeout_s)
        ledger_failed(record, error=error)
        action_audit(intent, f"Script {script.name} failed on {intent.where()}: {error}", warning=True)
        outcome_count(task.run_id, Outcome.FAILED)
        raise ScriptFailed(f"script {script.name} {error}")
    ledger_done(record, summary=f"script {script.name} exited 0")
    action_audit(
        intent,
        f"Ran script {script.name} on {intent.where()} ({intent.rule}, {record.provenance} provenance)",
    )
    if script.on_output == Script.OnOutput.AUDIT and run.output.strip():
        action_audit(intent, f"script {script.name} output: {run.output.strip()}")
    outcome_count(task.run_id, Outcome.DONE)
    return {
        "status": "done",
        "action_id": record.pk,
        "exit_code": run.exit_code,
        "stdout": run.stdout,
        "stderr": run.stderr,
        "output": run.output,
    }
