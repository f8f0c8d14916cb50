"""The chat API (docs/API.md), through Django's test client as a local curl would use it.

The first tests are the chat curl examples of docs/API.md, in order.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from chat.models import Conversation, Message
from orchestrator.models import Task
from tests.chat.conftest import run_turns

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
MESSAGE_KEYS = {"id", "role", "content", "type", "timestamp", "metadata"}


def post_json(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json")


def new_conversation(client: Any) -> str:
    return client.post("/api/chat/conversations").json()["conversation_id"]


def send(client: Any, conversation_id: str, content: Any) -> Any:
    return post_json(client, f"/api/chat/conversations/{conversation_id}/messages", {"content": content})


def assert_message_shape(message: dict[str, Any]) -> None:
    assert set(message) == MESSAGE_KEYS
    assert isinstance(message["id"], int)
    assert message["id"] > 0
    assert message["role"] in {"user", "assistant", "system"}
    assert message["type"] in {"chat", "command", "confirmation", "response", "system"}
    assert TIMESTAMP.match(message["timestamp"])
    assert message["metadata"] is None or isinstance(message["metadata"], dict)


# --- the documented curl examples---------------------------------------------------------------------
def test_seed_list_existing_conversations(api_client):
    response = api_client.get("/api/chat/conversations")
    assert response.status_code == 200
    assert response.json() == {"conversations": []}


def test_seed_create_a_conversation_returns_16_random_hex_chars(api_client):
    first, second = (api_client.post("/api/chat/conversations") for _ in range(2))
    assert first.status_code == 200
    assert set(first.json()) == {"conversation_id"}
    assert re.fullmatch(r"[0-9a-f]{16}", first.json()["conversation_id"])
    assert first.json() != second.json()


def test_seed_send_a_message_queues_a_priority_1_chat_turn(api_client):
    conversation_id = new_conversation(api_client)
    response = send(api_client, conversation_id, "Hello")
    assert response.status_code == 200
    body = response.json()
    assert body == {"type": "chat", "task_id": body["task_id"]}
    task = Task.objects.get(uid=body["task_id"])
    assert (task.type, task.priority, task.status) == ("chat.turn", 1, "pending")


def test_seed_poll_for_the_response_is_pending_then_lists_the_reply(api_client):
    conversation_id = new_conversation(api_client)
    task_id = send(api_client, conversation_id, "Hello").json()["task_id"]
    assert api_client.get(f"/api/chat/tasks/{task_id}").json() == {"status": "pending"}
    run_turns()
    body = api_client.get(f"/api/chat/tasks/{task_id}").json()
    assert body["status"] == "done"
    [reply] = body["messages"]
    assert_message_shape(reply)
    assert (reply["role"], reply["type"], reply["content"]) == ("assistant", "chat", "echo: Hello")


def test_seed_respond_to_a_proposal(api_client, dummy_integration):
    conversation_id = new_conversation(api_client)
    task_id = send(api_client, conversation_id, "propose hello").json()["task_id"]
    run_turns()
    card = api_client.get(f"/api/chat/tasks/{task_id}").json()["messages"][-1]
    path = f"/api/chat/conversations/{conversation_id}/proposals/{card['metadata']['proposal_id']}"
    response = post_json(api_client, path, {"option": "approve"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"message", "task_id"}
    assert (body["message"]["role"], body["message"]["content"]) == ("system", "Processing…")


# --- shapes ------------------------------------------------------------------------------------------
def test_history_lists_messages_in_storage_order_with_the_wire_shape(api_client):
    conversation_id = new_conversation(api_client)
    send(api_client, conversation_id, "one")
    run_turns()
    send(api_client, conversation_id, "two")
    run_turns()
    body = api_client.get(f"/api/chat/conversations/{conversation_id}/history").json()
    assert body["conversation_id"] == conversation_id
    for message in body["messages"]:
        assert_message_shape(message)
    assert [m["content"] for m in body["messages"]] == ["one", "echo: one", "two", "echo: two"]
    ids = [m["id"] for m in body["messages"]]
    assert ids == sorted(ids)


def test_conversation_list_shows_title_count_and_activity_most_recent_first(api_client):
    older, newer = new_conversation(api_client), new_conversation(api_client)
    send(api_client, newer, "  Plan   the\n trip " + "x" * 80)
    send(api_client, older, "Hello there")
    run_turns()
    listed = api_client.get("/api/chat/conversations").json()["conversations"]
    assert [c["id"] for c in listed] == [older, newer]  # older got the last reply
    first = listed[1]
    assert set(first) == {"id", "title", "message_count", "created_at", "last_activity"}
    assert first["title"] == ("Plan the trip " + "x" * 80)[:60]
    assert first["message_count"] == 2
    assert TIMESTAMP.match(first["created_at"])
    assert TIMESTAMP.match(first["last_activity"])


def test_empty_conversations_are_left_out_of_the_list(api_client):
    new_conversation(api_client)
    assert api_client.get("/api/chat/conversations").json() == {"conversations": []}


# --- commands ----------------------------------------------------------------------------------------
def test_help_is_answered_at_once_and_both_lines_are_stored(api_client):
    conversation_id = new_conversation(api_client)
    response = send(api_client, conversation_id, "  /help  ")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"type", "message"}
    assert body["type"] == "command"
    assert_message_shape(body["message"])
    assert (body["message"]["role"], body["message"]["type"]) == ("system", "command")
    assert "/clear" in body["message"]["content"]
    assert "/help" in body["message"]["content"]
    history = api_client.get(f"/api/chat/conversations/{conversation_id}/history").json()["messages"]
    assert (history[0]["role"], history[0]["type"], history[0]["content"]) == ("user", "command", "/help")
    assert history[1] == body["message"]
    assert not Task.objects.filter(type="chat.turn").exists()


def test_unknown_command_names_the_available_ones(api_client):
    conversation_id = new_conversation(api_client)
    body = send(api_client, conversation_id, "/frobnicate now").json()
    assert body["message"]["content"] == "Unknown command: /frobnicate. Available commands: /clear, /help"


def test_commands_are_case_sensitive(api_client):
    conversation_id = new_conversation(api_client)
    assert (
        send(api_client, conversation_id, "/CLEAR")
        .json()["message"]["content"]
        .startswith("Unknown command: /CLEAR.")
    )


def test_clear_restarts_history_count_and_title(api_client):
    conversation_id = new_conversation(api_client)
    send(api_client, conversation_id, "before")
    run_turns()
    body = send(api_client, conversation_id, "/clear").json()
    assert body["type"] == "command"
    assert (body["message"]["role"], body["message"]["type"]) == ("system", "command")
    assert body["message"]["content"] == "Conversation cleared."
    history = api_client.get(f"/api/chat/conversations/{conversation_id}/history").json()
    assert history == {"conversation_id": conversation_id, "messages": []}
    assert api_client.get("/api/chat/conversations").json() == {"conversations": []}
    send(api_client, conversation_id, "after")
    [listed] = api_client.get("/api/chat/conversations").json()["conversations"]
    assert (listed["title"], listed["message_count"]) == ("after", 1)


# --- errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", ["", "   \n\t "])
def test_empty_messages_are_refused_with_422(api_client, content):
    conversation_id = new_conversation(api_client)
    response = send(api_client, conversation_id, content)
    assert (response.status_code, response.json()) == (422, {"detail": "Message content is empty"})
    assert not Message.objects.exists()


def test_messages_over_32768_utf8_bytes_are_refused_with_413(api_client):
    conversation_id = new_conversation(api_client)
    assert send(api_client, conversation_id, "é" * 16_384).status_code == 200  # exactly 32768 bytes
    response = send(api_client, conversation_id, "é" * 16_384 + "x")
    assert response.status_code == 413
    assert response.json() == {"detail": "Message too long (max 32768 bytes)"}


def test_a_missing_content_field_is_a_ninja_validation_error(api_client):
    conversation_id = new_conversation(api_client)
    response = post_json(api_client, f"/api/chat/conversations/{conversation_id}/messages", {})
    assert response.status_code == 422
    assert response.json() == {"detail": "body.content: Field required"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/chat/conversations/0123456789abcdef/history"),
        ("post", "/api/chat/conversations/0123456789abcdef/messages"),
        ("post", "/api/chat/conversations/0123456789abcdef/proposals/1"),
    ],
)
def test_unknown_conversations_are_404(api_client, method, path):
    body = {"option": "approve"} if "/proposals/" in path else {"content": "hi"}  # unknown fields: 422
    response = getattr(api_client, method)(path, body, content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Conversation '0123456789abcdef' not found"}


def test_unknown_tasks_are_404_and_any_task_id_can_be_polled(api_client):
    assert api_client.get("/api/chat/tasks/nope").status_code == 404
    from orchestrator.queue import enqueue

    task = enqueue("noop", {"echo": 1}, priority=5)
    assert api_client.get(f"/api/chat/tasks/{task.uid}").json() == {"status": "pending"}
    Task.objects.filter(pk=task.pk).update(status="running")
    assert api_client.get(f"/api/chat/tasks/{task.uid}").json() == {"status": "pending"}
    Task.objects.filter(pk=task.pk).update(status="done")
    assert api_client.get(f"/api/chat/tasks/{task.uid}").json() == {"status": "done", "messages": []}


def test_polling_never_writes(api_client):
    conversation_id = new_conversation(api_client)
    task_id = send(api_client, conversation_id, "Hello").json()["task_id"]
    run_turns()
    before = (Message.objects.count(), Conversation.objects.get().last_activity)
    first = api_client.get(f"/api/chat/tasks/{task_id}").json()
    assert api_client.get(f"/api/chat/tasks/{task_id}").json() == first
    assert (Message.objects.count(), Conversation.objects.get().last_activity) == before


def test_the_chat_endpoints_are_documented_in_the_openapi_schema(api_client):
    paths = api_client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/chat/conversations",
        "/api/chat/conversations/{conversation_id}/history",
        "/api/chat/conversations/{conversation_id}/messages",
        "/api/chat/conversations/{conversation_id}/proposals/{proposal_id}",
        "/api/chat/tasks/{task_id}",
    ):
        assert path in paths
