"""The chat turn: context, structured output only when something is proposable, untrusted output."""

from __future__ import annotations

from typing import Any

import pytest

from chat.context import CONTEXT_TOKEN_BUDGET, estimate_tokens, turn_context
from chat.models import Conversation, Message
from chat.proposables import InvalidProposal, proposable_services
from chat.submit import message_submit
from orchestrator.llm import StructuredOutputError
from orchestrator.models import Approval, ChatSettings, Task
from tests.chat.conftest import run_turns
from tests.plugins.chat_llm import read_calls

pytestmark = pytest.mark.django_db


def say(conversation: Conversation, content: str) -> Task:
    submitted = message_submit(conversation_id=conversation.id, content=content)
    return Task.objects.get(uid=submitted.task_uid)


def turn(conversation: Conversation, content: str) -> tuple[Task, list[Message]]:
    """Send *content*, run its turn here; the task and the messages it stored."""
    task = say(conversation, content)
    run_turns()
    task.refresh_from_db()
    return task, list(Message.objects.filter(stored_by_task=task.uid))


def contents(messages: list[Message]) -> list[tuple[str, str, str]]:
    return [(m.role, m.type, m.content) for m in messages]


def test_a_plain_reply_is_stored_as_an_assistant_chat_message(conversation):
    task, stored = turn(conversation, "Hello")
    assert task.status == "done"
    assert contents(stored) == [("assistant", "chat", "echo: Hello")]
    assert task.result == {"messages": [stored[0].id]}


def test_without_proposable_services_no_schema_is_sent(conversation):
    turn(conversation, "Hello")
    assert read_calls()[-1]["schema"] is None


def test_with_a_proposable_service_the_reply_schema_names_its_instances(conversation, dummy_integration):
    turn(conversation, "Hello")
    schema = read_calls()[-1]["schema"]
    assert schema["required"] == ["reply"]
    assert schema["properties"]["proposal"]["properties"]["action"]["enum"] == [
        "dummy.one.echo",
        "dummy.echo",
    ]
    assert "dummy.one.echo" in read_calls()[-1]["messages"][0]["content"]


def test_a_short_service_id_is_accepted_while_only_one_integration_offers_it(dummy_integration):
    from chat.proposables import proposal_check
    from orchestrator.models import Integration

    raw = {"action": "dummy.echo", "parameters": {"text": "hi"}, "description": "Echo hi"}
    assert proposal_check(raw, proposable_services()).target.instance_id == "dummy.one.echo"
    Integration.objects.create(type="dummy", name="two")
    with pytest.raises(InvalidProposal):
        proposal_check(raw, proposable_services())


def test_disabled_integrations_offer_nothing_to_propose(dummy_integration):
    dummy_integration.enabled = False
    dummy_integration.save()
    assert proposable_services() == {}


def test_the_context_is_system_prompt_then_the_chat_since_the_last_clear(conversation):
    settings_row = ChatSettings.load()
    settings_row.system_prompt = "You are Steward."
    settings_row.save()
    turn(conversation, "forgotten")
    message_submit(conversation_id=conversation.id, content="/clear")
    turn(conversation, "first")
    message_submit(conversation_id=conversation.id, content="/help")  # commands are not context
    turn(conversation, "second")
    messages = read_calls()[-1]["messages"]
    assert messages == [
        {"role": "system", "content": "You are Steward."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "echo: first"},
        {"role": "user", "content": "second"},
    ]


def test_the_context_tells_the_model_what_became_of_earlier_proposals(conversation, dummy_integration):
    turn(conversation, "propose hi")
    Approval.objects.update(status="rejected")
    turn(conversation, "what happened?")
    history = read_calls()[-1]["messages"]
    assert "dummy.one.echo" in history[2]["content"]
    assert "rejected" in history[2]["content"]
    assert history[2]["role"] == "assistant"
    assert history[-1] == {"role": "user", "content": "what happened?"}


def test_the_context_is_trimmed_to_the_token_budget_from_the_oldest_end(conversation):
    for n in range(12):
        Message.objects.create(
            conversation=conversation, role="user", type="chat", content=f"{n} " + "w" * 4000
        )
        Message.objects.create(conversation=conversation, role="assistant", type="chat", content=f"r{n}")
    answering = Message.objects.create(conversation=conversation, role="user", type="chat", content="now?")
    messages = turn_context(conversation=conversation, answering=answering, system_prompt="S", proposables={})
    assert sum(estimate_tokens(m["content"]) for m in messages) <= CONTEXT_TOKEN_BUDGET
    assert messages[0] == {"role": "system", "content": "S"}
    assert messages[-1] == {"role": "user", "content": "now?"}
    assert 2 < len(messages) < 25
    assert messages[1]["content"] != "0 " + "w" * 4000  # the oldest went first


def test_a_huge_last_message_is_truncated_not_dropped(conversation):
    answering = Message.objects.create(
        conversation=conversation, role="user", type="chat", content="z" * 40_000
    )
    messages = turn_context(conversation=conversation, answering=answering, system_prompt="S", proposables={})
    assert messages[-1]["content"].endswith("(truncated)")
    assert sum(estimate_tokens(m["content"]) for m in messages) <= CONTEXT_TOKEN_BUDGET + 10


def test_a_turn_answers_its_own_message_not_later_ones(conversation):
    say(conversation, "a")
    say(conversation, "b")
    run_turns()
    first_call, second_call = read_calls()[-2:]
    assert first_call["messages"][-1]["content"] == "a"
    # "b" was stored before the reply to "a": the second turn sees both questions, in storage order.
    assert second_call["messages"][1:] == [{"role": "user", "content": "a\n\nb"}]


def test_a_model_ignoring_the_schema_still_gets_its_text_shown(conversation, dummy_integration):
    _, stored = turn(conversation, "plain text please")
    assert contents(stored) == [("assistant", "chat", "plain: text please")]


def test_a_structured_output_failure_falls_back_to_the_raw_text(conversation, dummy_integration, settings):
    settings.STEWARD_CHAT_LLM = "tests.chat.test_turns.refusing_llm"
    task, stored = turn(conversation, "hello")
    assert task.status == "done"
    assert contents(stored) == [("assistant", "chat", "Sure, here you go")]


def refusing_llm(profile: Any, messages: Any, *, priority: int = 1, schema: Any = None) -> Any:
    raise StructuredOutputError("no JSON", raw_replies=["{", "Sure, here you go"], errors=["bad", "bad"])


@pytest.mark.parametrize("content", ["propose-unknown", "propose-invalid"])
def test_an_invalid_proposal_is_dropped_and_the_reply_still_shown(
    conversation, dummy_integration, content, caplog
):
    task, stored = turn(conversation, content)
    assert task.status == "done"
    assert contents(stored) == [("assistant", "chat", "Let me do that.")]
    assert not Approval.objects.exists()
    assert "proposal dropped" in caplog.text


@pytest.mark.parametrize("content", ["garbage", "empty"])
def test_an_unusable_reply_fails_the_turn_with_a_system_message(conversation, dummy_integration, content):
    task, stored = turn(conversation, content)
    assert task.status == "failed"
    [notice] = stored
    assert (notice.role, notice.type) == ("system", "system")
    assert notice.content.startswith("The assistant could not reply:")
    assert Message.objects.filter(role="user", content=content).exists()  # never lost


def test_an_llm_that_is_down_is_retried_then_reported(conversation):
    task = say(conversation, "llm-down")
    run_turns()
    task.refresh_from_db()
    assert (task.status, task.attempts) == ("pending", 1)  # transient: retried later
    assert not Message.objects.filter(stored_by_task=task.uid).exists()
    Task.objects.filter(pk=task.pk).update(not_before=None, attempts=task.max_attempts - 1)
    run_turns()
    task.refresh_from_db()
    assert task.status == "failed"
    [notice] = Message.objects.filter(stored_by_task=task.uid)
    assert "LLMUnavailable" in notice.content


def test_the_conversation_stays_usable_after_a_failed_turn(conversation):
    turn(conversation, "garbage")
    _, stored = turn(conversation, "still there?")
    assert contents(stored) == [("assistant", "chat", "echo: still there?")]


def test_a_turn_of_a_cleared_message_is_skipped(conversation):
    task = say(conversation, "old")
    message_submit(conversation_id=conversation.id, content="/clear")
    run_turns()
    task.refresh_from_db()
    assert task.result == {"skipped": "the conversation was cleared after this message"}
    assert read_calls() == [] or read_calls()[-1]["messages"][-1]["content"] != "old"


def test_a_retried_turn_does_not_answer_twice(conversation):
    task, _ = turn(conversation, "once")
    Task.objects.filter(pk=task.pk).update(status="pending")
    run_turns()
    assert Message.objects.filter(stored_by_task=task.uid).count() == 1
