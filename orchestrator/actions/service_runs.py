"""The ``service.<type>.<service>`` task handler: gate, ledger, run, audit, route the result."""

from __future__ import annotations

from typing import Any

from integrations import registry
from orchestrator.actions.gate import ActionRefused, Outcome, intent_admit, outcome_count
from orchestrator.actions.intents import ActionIntent, intent_from_task
from orchestrator.actions.ledger import ledger_done, ledger_failed, ledger_outcome_unknown
from orchestrator.actions.results import ServiceResult, result_deliver, result_failure_notify
from orchestrator.actions.services import (
    ResolvedService,
    ServiceContext,
    ServiceError,
    service_problems,
    service_resolve,
)
from orchestrator.audit import action_audit
from orchestrator.egress.scope import egress_scope
from orchestrator.models import ActionRecord, Task
from orchestrator.queue.execution import is_permanent
from orchestrator.queue.handlers import HandlerSpec, add_resolver
from orchestrator.rules.errors import RuleSyntaxError
from orchestrator.rules.templates import TemplateRenderError, compile_value, render

SERVICE_MAX_RUNTIME_S = 300


def audit_line(intent: ActionIntent, resolved: ResolvedService) -> str:
    """``human_log`` if given, else the service's ``audit_template`` over the inputs (sandboxed)."""
    if intent.human_log.strip():
        return intent.human_log.strip()
    template = resolved.spec.audit_template
    if template:
        context = {key: value for key, value in intent.inputs.items() if key.isidentifier()}
        try:
            line = str(render(compile_value(template), {**context, "inputs": intent.inputs})).strip()
        except (RuleSyntaxError, TemplateRenderError):
            line = ""
        if line:
            return line
    return f"Ran {resolved.instance_id}"


def _result(
    intent: ActionIntent, task: Task, *, title: str, text: str = "", error: str = "", instance_id: str = ""
) -> ServiceResult:
    """The call's outcome for result routing: ``text`` when it ran, ``error`` when it did not."""
    return ServiceResult(
        instance_id=instance_id or intent.name,
        title=title,
        text=text,
        ok=not error,
        error=error,
        inputs=intent.inputs,
        item=intent.item,
        conversation_id=intent.conversation_id,
        task=task,
        integration_id=intent.integration_id,
    )


def _failed(intent: ActionIntent, task: Task, title: str, error: str) -> None:
    action_audit(intent, f"Failed {intent.describe()} on {intent.where()}: {error}", warning=True)
    outcome_count(task.run_id, Outcome.FAILED)
    result_failure_notify(_result(intent, task, title=title, error=error))


def service_task(task: Task) -> dict[str, Any]:
    """Run one service call (payload: :meth:`ActionIntent.task_payload`).

    The runtime gate runs here again, whatever queued the task: an irreversible call with
    untrusted provenance and no ``!yolo`` is recorded ``blocked``, never run. A call found
    ``started`` on a retry (its worker died) is never re-run: it becomes "outcome unknown".
    """
    intent = intent_from_task(task.payload)
    try:
        resolved = service_resolve(intent.name)
    except ServiceError as exc:
        _failed(intent, task, intent.name, str(exc))
        raise ActionRefused(str(exc)) from None
    admission = intent_admit(intent, tier=resolved.tier, task=task)
    if not admission.may_run:
        outcome_count(task.run_id, admission.outcome)
        return {"status": admission.outcome.value, "action_id": admission.record.pk}
    record = admission.record
    title = audit_line(intent, resolved)
    if admission.outcome is Outcome.INTERRUPTED:
        ledger_outcome_unknown(record)
        _failed(intent, task, title, record.error)
        return {"status": "outcome_unknown", "action_id": record.pk}
    problems = service_problems(resolved, intent.inputs, intent.on_result)
    if problems:
        error = "; ".join(problems)
        ledger_failed(record, error=error)
        _failed(intent, task, title, error)
        raise ActionRefused(f"Service {resolved.instance_id} refused: {error}")
    try:
        scope = egress_scope(
            purpose=resolved.spec.name,
            item_id=intent.item.pk if intent.item else None,
            integration_id=resolved.instance_id.rsplit(".", 1)[0],
        )
        with scope:
            text = resolved.spec.run(ServiceContext.of(resolved.integration), dict(intent.inputs))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        ledger_failed(record, error=error)
        if is_permanent(exc) or task.attempts >= task.max_attempts:
            _failed(intent, task, title, error)
        raise
    ledger_done(record, summary=title)
    return _done(intent, resolved, record, task, title=title, text=str(text))


def _done(
    intent: ActionIntent,
    resolved: ResolvedService,
    record: ActionRecord,
    task: Task,
    *,
    title: str,
    text: str,
) -> dict[str, Any]:
    """Audit a successful call and deliver its result; a delivery failure is reported, not retried."""
    action_audit(intent, f"{title} ({intent.describe()}, {intent.rule}, {record.provenance} provenance)")
    outcome_count(task.run_id, Outcome.DONE)
    result = _result(intent, task, title=title, text=text, instance_id=resolved.instance_id)
    try:
        routes = result_deliver(result, intent.on_result)
    except Exception as exc:  # the call is done and recorded; losing only its delivery is reported
        action_audit(intent, f"{title}: the result could not be delivered: {exc}", warning=True)
        return {"status": "done", "action_id": record.pk, "delivery_error": str(exc)}
    return {"status": "done", "action_id": record.pk, "routes": routes}


def resolve_service_task(task_type: str) -> HandlerSpec | None:
    """``service.<type>.<service>`` for every service an installed type declares."""
    prefix, _, rest = task_type.partition(".")
    type_name, _, name = rest.partition(".")
    if prefix != "service" or type_name not in registry.type_names():
        return None
    if name not in registry.get(type_name).services:
        return None
    return HandlerSpec(task_type, service_task, max_runtime_s=SERVICE_MAX_RUNTIME_S)


add_resolver(resolve_service_task)
