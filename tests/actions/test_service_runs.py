"""Services: resolved by instance id, validated before queueing, gated, routed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from orchestrator.actions import results
from orchestrator.actions.results import ServiceResult
from orchestrator.actions.services import ServiceError, service_enqueue, service_resolve
from orchestrator.models import ActionRecord, AuditEntry, Integration, Note, Task
from orchestrator.queue import enqueue
from tests.pipeline.driving import configure, drain, effects, run_pipeline

pytestmark = pytest.mark.django_db


def echo_rule(**service) -> dict:
    return {"when": {"n": 1}, "then": {"service": {"call": "dummy.one.echo", **service}}}


def test_a_service_result_lands_as_a_note_and_a_file(steward, settings, tmp_path):
    settings.STEWARD_NOTES_DIR = str(tmp_path)
    rule = echo_rule(
        inputs={"text": "About {{ title }}"},
        human_log="Echo for {{ title }}",
        on_result=[{"type": "note", "path": "research/echoes/"}],
    )
    configure(steward, automations=[rule], options={"count": 1})
    run_pipeline()
    task = Task.objects.get(type="service.dummy.echo")
    assert (task.status, task.priority) == ("done", 7)
    note = Note.objects.get()
    assert (note.title, note.body, note.source) == ("Echo for Item 1", "About Item 1", "dummy.one.echo")
    assert note.item.key == "item-1"
    assert note.path.startswith("research/echoes/")
    assert (tmp_path / note.path).read_text().rstrip().endswith("About Item 1")
    assert ActionRecord.objects.get().status == "done"
    assert AuditEntry.objects.filter(action="dummy.one.echo", message__startswith="Echo for Item 1").exists()


def test_without_human_log_the_audit_line_comes_from_the_service_template(steward):
    configure(steward, automations=[echo_rule(inputs={"text": "hello"})], options={"count": 1})
    run_pipeline()
    assert AuditEntry.objects.filter(message__startswith="Echoed hello").exists()
    assert Note.objects.get().title == "Echoed hello"


def test_a_note_path_escaping_the_notes_directory_is_refused_at_save(steward):
    rule = echo_rule(inputs={"text": "x"}, on_result=[{"type": "note", "path": "../../etc"}])
    with pytest.raises(ValidationError, match="must stay inside the notes directory"):
        configure(steward, automations=[rule])


def test_a_note_path_escaping_the_notes_directory_is_refused_at_run(steward, settings, tmp_path):
    settings.STEWARD_NOTES_DIR = str(tmp_path / "notes")
    with pytest.raises(ServiceError, match="must stay inside the notes directory"):
        service_enqueue(
            instance_id="dummy.one.echo",
            inputs={"text": "x"},
            provenance="human",
            on_result={"type": "note", "path": "../../etc"},
        )
    payload = {
        "kind": "service",
        "name": "dummy.one.echo",
        "provenance": "human",
        "inputs": {"text": "x"},
        "on_result": {"type": "note", "path": "../../etc"},
        "request": "r1",
    }
    task = enqueue("service.dummy.echo", payload, priority=7)
    drain()
    task.refresh_from_db()
    assert task.status == "failed"
    assert "must stay inside the notes directory" in task.error
    assert effects("echo") == []
    assert not Note.objects.exists()
    assert not list(Path(tmp_path).rglob("*.md"))


def test_inputs_failing_the_schema_are_refused_before_queueing(steward):
    with pytest.raises(ServiceError) as refused:
        service_enqueue(instance_id="dummy.one.echo", inputs={"text": "", "extra": 1}, provenance="human")
    message = str(refused.value)
    assert "inputs.text" in message
    assert "Additional properties are not allowed ('extra' was unexpected)" in message
    assert not Task.objects.exists()


def test_an_invalid_rendered_input_fails_the_action_without_queueing(steward):
    configure(steward, automations=[echo_rule(inputs={"text": "{{ missing }}"})], options={"count": 1})
    run_pipeline()
    assert not Task.objects.filter(type__startswith="service.").exists()
    record = ActionRecord.objects.get()
    assert record.status == "failed"
    assert "inputs.text" in record.error


def test_a_type_and_service_id_resolves_when_one_integration_of_the_type_is_enabled(steward):
    assert service_resolve("dummy.echo").instance_id == "dummy.one.echo"
    Integration.objects.create(type="dummy", name="two")
    with pytest.raises(ServiceError, match=r"name the integration \(dummy.one.echo, dummy.two.echo\)"):
        service_resolve("dummy.echo")
    assert service_resolve("dummy.two.echo").instance_id == "dummy.two.echo"


@pytest.mark.parametrize(
    ("instance_id", "message"),
    [
        ("echo", "not a service instance id"),
        ("nope.one.echo", "'nope' is not installed"),
        ("dummy.zero.echo", "integration 'dummy.zero' is not found"),
        ("dummy.one.shout", "has no service 'shout'; valid: echo"),
    ],
)
def test_unknown_services_are_refused_clearly(steward, instance_id, message):
    with pytest.raises(ServiceError, match=message):
        service_resolve(instance_id)


def test_a_human_approved_service_call_runs_and_routes_its_result(steward):
    task = service_enqueue(instance_id="dummy.echo", inputs={"text": "hi"}, provenance="human", priority=2)
    assert (task.type, task.priority, task.payload["name"]) == ("service.dummy.echo", 2, "dummy.one.echo")
    drain()
    task.refresh_from_db()
    assert task.status == "done"
    assert effects("echo") == [{"action": "echo", "text": "hi"}]
    assert ActionRecord.objects.get().provenance == "human"


def test_two_alike_chat_requests_both_run(steward):
    service_enqueue(instance_id="dummy.one.echo", inputs={"text": "hi"}, provenance="human")
    service_enqueue(instance_id="dummy.one.echo", inputs={"text": "hi"}, provenance="human")
    drain()
    assert len(effects("echo")) == 2


def test_a_service_task_arriving_with_llm_provenance_is_blocked_at_run_time(steward):
    task = service_enqueue(instance_id="dummy.one.echo", inputs={"text": "hi"}, provenance="llm")
    drain()
    task.refresh_from_db()
    assert (task.status, task.result["status"]) == ("done", "blocked")
    assert effects("echo") == []
    assert ActionRecord.objects.get().status == "blocked"
    entry = AuditEntry.objects.get(action="dummy.one.echo", level="warning")
    assert entry.message.startswith("Blocked service dummy.one.echo")


@pytest.fixture
def chat_replies(monkeypatch: pytest.MonkeyPatch) -> list[ServiceResult]:
    """What reaches the ``chat_reply`` route, registered here in the chat app's place."""
    delivered: list[ServiceResult] = []
    monkeypatch.setitem(results._routes, "chat_reply", delivered.append)
    return delivered


def echo_from_chat(text: str, conversation_id: str) -> Task:
    """A person's echo call from a conversation, its result routed back there."""
    return service_enqueue(
        instance_id="dummy.one.echo",
        inputs={"text": text},
        provenance="human",
        on_result="chat_reply",
        conversation_id=conversation_id,
    )


def test_chat_reply_goes_to_the_registered_route(steward, chat_replies):
    echo_from_chat("hello chat", "abc")
    drain()
    ((result,),) = [chat_replies]
    assert (result.ok, result.text, result.conversation_id) == (True, "hello chat", "abc")
    assert not Note.objects.exists()


def test_chat_reply_without_a_registered_route_falls_back_to_a_note(steward, monkeypatch):
    monkeypatch.delitem(results._routes, "chat_reply", raising=False)
    service_enqueue(
        instance_id="dummy.one.echo", inputs={"text": "hi"}, provenance="human", on_result="chat_reply"
    )
    drain()
    assert Note.objects.get().body == "hi"


def test_audit_route_writes_the_result_to_the_audit_log(steward):
    service_enqueue(
        instance_id="dummy.one.echo", inputs={"text": "for the log"}, provenance="human", on_result="audit"
    )
    drain()
    assert AuditEntry.objects.filter(message="Echoed for the log: for the log").exists()
    assert not Note.objects.exists()


def test_a_failing_chat_call_is_reported_to_its_conversation(steward, monkeypatch, chat_replies):
    from dataclasses import replace

    from integrations.base import IntegrationError
    from tests.plugins import dummy

    def broken(ctx, inputs):
        raise IntegrationError("quota exhausted", permanent=True)

    monkeypatch.setitem(
        dummy.INTEGRATION_TYPE.services, "echo", replace(dummy.INTEGRATION_TYPE.services["echo"], run=broken)
    )
    task = echo_from_chat("x", "c1")
    drain()
    task.refresh_from_db()
    assert task.status == "failed"
    assert "quota exhausted" in task.error
    ((failure,),) = [chat_replies]
    assert (failure.ok, failure.conversation_id) == (False, "c1")
    assert "quota exhausted" in failure.error
    assert ActionRecord.objects.get().status == "failed"


def test_a_transiently_failing_service_is_retried_and_then_runs(steward, monkeypatch):
    from dataclasses import replace

    from django.utils import timezone

    from tests.plugins import dummy

    real = dummy.INTEGRATION_TYPE.services["echo"]
    calls = []

    def flaky(ctx, inputs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("reset by peer")
        return real.run(ctx, inputs)

    monkeypatch.setitem(dummy.INTEGRATION_TYPE.services, "echo", replace(real, run=flaky))
    task = service_enqueue(instance_id="dummy.one.echo", inputs={"text": "x"}, provenance="human")
    drain()
    Task.objects.filter(pk=task.pk).update(not_before=timezone.now())
    drain()
    task.refresh_from_db()
    assert (task.status, task.attempts) == ("done", 2)
    assert effects("echo") == [{"action": "echo", "text": "x"}]
