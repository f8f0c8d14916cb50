"""Proposal cards: the wire format, approve → priority-2 human service run → result posted, reject,
expiry, double answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from chat.models import Message
from chat.wire import message_out
from integrations import registry
from orchestrator.models import ActionRecord, Approval, Task
from tests.chat.conftest import run_services, run_turns
from tests.chat.test_api import TIMESTAMP, assert_message_shape, new_conversation, post_json, send
from tests.plugins import dummy
from tests.plugins.dummy import read_effects

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(api_client: Any, dummy_integration: object) -> dict[str, Any]:
    """A conversation whose scripted model proposed echoing 'hello world'."""
    conversation_id = new_conversation(api_client)
    task_id = send(api_client, conversation_id, "propose hello world").json()["task_id"]
    run_turns()
    messages = api_client.get(f"/api/chat/tasks/{task_id}").json()["messages"]
    return {"conversation_id": conversation_id, "messages": messages, "card": messages[-1]}


def answer(client: Any, proposed: dict[str, Any], option: Any, proposal_id: str | None = None) -> Any:
    pid = proposal_id or proposed["card"]["metadata"]["proposal_id"]
    return post_json(
        client, f"/api/chat/conversations/{proposed['conversation_id']}/proposals/{pid}", {"option": option}
    )


def test_a_proposal_is_stored_as_a_confirmation_card_with_the_documented_metadata(proposed):
    reply, card = proposed["messages"]
    assert (reply["role"], reply["type"]) == ("assistant", "chat")
    assert_message_shape(card)
    assert (card["role"], card["type"], card["content"]) == ("system", "confirmation", "Echo 'hello world'")
    metadata = card["metadata"]
    assert set(metadata) == {
        "proposal_id",
        "action",
        "parameters",
        "description",
        "options",
        "status",
        "expires_at",
    }
    assert re.fullmatch(r"\d+", metadata["proposal_id"])
    assert metadata["action"] == "dummy.one.echo"
    assert metadata["parameters"] == {"text": "hello world"}
    assert metadata["description"] == "Echo 'hello world'"
    assert metadata["options"] == [{"id": "approve", "label": "Echo it"}, {"id": "reject", "label": "Cancel"}]
    assert metadata["status"] == "pending"
    assert TIMESTAMP.match(metadata["expires_at"])
    approval = Approval.objects.get(pk=int(metadata["proposal_id"]))
    assert (approval.source, approval.conversation_id) == ("chat", proposed["conversation_id"])
    assert timedelta(hours=23) < approval.expires_at - timezone.now() <= timedelta(hours=24)


def test_approving_queues_the_service_at_priority_2_with_human_provenance(api_client, proposed):
    body = answer(api_client, proposed, "approve").json()
    assert body["message"]["content"] == "Processing…"
    assert (body["message"]["role"], body["message"]["type"]) == ("system", "system")
    task = Task.objects.get(uid=body["task_id"])
    assert (task.type, task.priority) == ("service.dummy.echo", 2)
    assert task.payload["provenance"] == "human"
    assert task.payload["conversation_id"] == proposed["conversation_id"]
    history = api_client.get(f"/api/chat/conversations/{proposed['conversation_id']}/history").json()[
        "messages"
    ]
    response = history[-2]
    assert (response["role"], response["type"], response["content"]) == ("user", "response", "approve")
    assert response["metadata"] == {
        "proposal_id": proposed["card"]["metadata"]["proposal_id"],
        "option": "approve",
    }
    assert history[-3]["metadata"]["status"] == "approved"  # the card


def test_the_service_result_is_posted_back_into_the_conversation(api_client, proposed):
    task_id = answer(api_client, proposed, "approve").json()["task_id"]
    [service_task] = run_services()
    assert service_task.status == "done", service_task.error
    assert read_effects("dummy.one") == [{"action": "echo", "text": "hello world"}]
    polled = api_client.get(f"/api/chat/tasks/{task_id}").json()
    assert polled["status"] == "done"
    [result] = polled["messages"]
    assert (result["role"], result["type"], result["content"]) == ("system", "system", "hello world")
    assert result["metadata"]["status"] == "done"
    assert result["metadata"]["action"] == "dummy.one.echo"
    assert ActionRecord.objects.get().provenance == "human"


@pytest.fixture
def broken_echo() -> Iterator[None]:
    """The dummy echo service raising (its spec is frozen: swapped and restored by hand)."""
    spec = registry.get("dummy").services["echo"]

    def broken(ctx: object, inputs: dict[str, Any]) -> str:
        raise ValueError("echo chamber collapsed")

    object.__setattr__(spec, "run", broken)
    yield
    object.__setattr__(spec, "run", dummy.echo)


def test_a_failed_service_run_is_reported_in_the_conversation_and_on_the_card(
    api_client, proposed, broken_echo
):
    task_id = answer(api_client, proposed, "approve").json()["task_id"]
    run_services()
    polled = api_client.get(f"/api/chat/tasks/{task_id}").json()
    assert polled["status"] == "failed"
    [notice] = polled["messages"]
    assert "echo chamber collapsed" in notice["content"]
    assert notice["metadata"]["status"] == "failed"
    assert Approval.objects.get().status == "failed"
    assert message_out(Message.objects.get(type="confirmation"))["metadata"]["status"] == "failed"


def test_rejecting_cancels_without_a_task(api_client, proposed):
    response = answer(api_client, proposed, "reject")
    assert response.status_code == 200
    assert set(response.json()) == {"message"}
    assert response.json()["message"]["content"] == "Action cancelled."
    assert Approval.objects.get().status == "rejected"
    assert not Task.objects.filter(type__startswith="service.").exists()


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_answering_twice_is_409(api_client, proposed, first):
    answer(api_client, proposed, first)
    response = answer(api_client, proposed, "approve")
    assert response.status_code == 409
    assert "already" in response.json()["detail"]
    assert Task.objects.filter(type__startswith="service.").count() == (1 if first == "approve" else 0)


def test_answering_after_expiry_is_409_and_the_card_shows_expired(api_client, proposed):
    Approval.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = answer(api_client, proposed, "approve")
    assert response.status_code == 409
    assert "expired" in response.json()["detail"]
    assert Approval.objects.get().status == "expired"
    history = api_client.get(f"/api/chat/conversations/{proposed['conversation_id']}/history").json()[
        "messages"
    ]
    assert history[-1]["metadata"]["status"] == "expired"
    assert not Task.objects.filter(type__startswith="service.").exists()


def test_a_due_card_reads_as_expired_before_anyone_answers(api_client, proposed):
    Approval.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    history = api_client.get(f"/api/chat/conversations/{proposed['conversation_id']}/history").json()[
        "messages"
    ]
    assert history[-1]["metadata"]["status"] == "expired"


def test_an_invalid_option_is_400_and_names_the_valid_ones(api_client, proposed):
    response = answer(api_client, proposed, "maybe")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid option 'maybe'. Valid options: approve, reject"}
    assert Approval.objects.get().status == "pending"


def test_unknown_proposals_are_404(api_client, proposed):
    for proposal_id in ("999999", "abc"):
        assert answer(api_client, proposed, "approve", proposal_id=proposal_id).status_code == 404


def test_a_proposal_of_another_conversation_is_404(api_client, proposed):
    other = new_conversation(api_client)
    pid = proposed["card"]["metadata"]["proposal_id"]
    response = post_json(
        api_client, f"/api/chat/conversations/{other}/proposals/{pid}", {"option": "approve"}
    )
    assert response.status_code == 404


def test_approving_when_the_integration_was_disabled_meanwhile_fails_clearly(
    api_client, proposed, dummy_integration
):
    dummy_integration.enabled = False
    dummy_integration.save()
    response = answer(api_client, proposed, "approve")
    assert response.status_code == 200
    body = response.json()
    assert "task_id" not in body
    assert body["message"]["content"].startswith("Could not run dummy.one.echo:")
    assert Approval.objects.get().status == "failed"
