"""The chat websocket (docs/CHAT.md) through Channels' WebsocketCommunicator and the real ASGI app.

Each test drives an async scenario with ``async_to_sync`` from the test thread, so the consumer's
database calls run in this thread and see the test's transaction; chat turns run here too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chat.models import Conversation, Message
from chat.submit import message_submit
from orchestrator.asgi import application
from tests.chat.conftest import run_services, run_turns

pytestmark = pytest.mark.django_db

Frame = dict[str, Any]
LOCAL = [(b"host", b"localhost:6767")]


def communicator(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=LOCAL if headers is None else headers)


def scenario(coro: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(coro)()


async def frames_until(
    comm: WebsocketCommunicator, done: Callable[[Frame], bool], timeout: float = 3
) -> list[Frame]:
    """Frames received until one satisfies *done* (included)."""
    frames = []
    deadline = time.monotonic() + timeout
    while True:
        frame = await comm.receive_json_from(timeout=max(deadline - time.monotonic(), 0.01))
        frames.append(frame)
        if done(frame):
            return frames


def is_task(status: str) -> Callable[[Frame], bool]:
    return lambda frame: frame["type"] == "task" and frame["status"] == status


async def closed_with(comm: WebsocketCommunicator) -> tuple[list[Frame], int]:
    """Connects; the frames sent before the server closed, and the close code."""
    connected, _ = await comm.connect()
    assert connected
    frames = []
    while True:
        output = await comm.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return frames, output["code"]
        frames.append(json.loads(output["text"]))


def test_a_message_sent_on_the_socket_is_answered_on_the_socket(conversation: Conversation):
    async def run() -> None:
        comm = communicator(f"/ws/chat/{conversation.id}/")
        assert (await comm.connect())[0]
        await comm.send_json_to({"type": "message", "content": "Hello"})
        queued = await frames_until(comm, is_task("pending"))
        assert [f["type"] for f in queued] == ["message", "task"]
        user = queued[0]["message"]
        assert (user["role"], user["type"], user["content"]) == ("user", "chat", "Hello")
        task_id = queued[1]["task_id"]
        await database_sync_to_async(run_turns)()
        answered = await frames_until(comm, is_task("done"))
        messages = [f["message"] for f in answered if f["type"] == "message"]
        assert [(m["role"], m["content"]) for m in messages] == [("assistant", "echo: Hello")]
        assert answered[-1] == {"type": "task", "task_id": task_id, "status": "done"}
        assert await comm.receive_nothing(0.3)
        await comm.disconnect()

    scenario(run)


def test_a_message_posted_over_http_is_pushed_to_the_socket(conversation, api_client):
    async def run() -> None:
        comm = communicator(f"/ws/chat/{conversation.id}/")
        assert (await comm.connect())[0]
        await database_sync_to_async(api_client.post)(
            f"/api/chat/conversations/{conversation.id}/messages",
            {"content": "Hi"},
            content_type="application/json",
        )
        await database_sync_to_async(run_turns)()
        frames = await frames_until(comm, is_task("done"))
        assert [f["message"]["content"] for f in frames if f["type"] == "message"] == ["Hi", "echo: Hi"]
        await comm.disconnect()

    scenario(run)


def test_reconnecting_with_after_replays_what_was_missed_in_order(conversation):
    message_submit(conversation_id=conversation.id, content="one")
    run_turns()
    seen = Message.objects.order_by("id").first()
    message_submit(conversation_id=conversation.id, content="two")
    run_turns()
    missed = list(Message.objects.filter(id__gt=seen.id).values_list("id", "content"))

    async def run() -> None:
        comm = communicator(f"/ws/chat/{conversation.id}/?after={seen.id}")
        assert (await comm.connect())[0]
        frames = [await comm.receive_json_from(timeout=2) for _ in missed]
        assert [(f["message"]["id"], f["message"]["content"]) for f in frames] == missed
        assert await comm.receive_nothing(0.3)
        await comm.disconnect()

    scenario(run)


def test_without_after_nothing_is_replayed(conversation):
    message_submit(conversation_id=conversation.id, content="/help")

    async def run() -> None:
        comm = communicator(f"/ws/chat/{conversation.id}/")
        assert (await comm.connect())[0]
        assert await comm.receive_nothing(0.4)
        await comm.disconnect()

    scenario(run)


def test_a_replay_from_before_a_clear_starts_at_the_clear(conversation):
    message_submit(conversation_id=conversation.id, content="/help")
    message_submit(conversation_id=conversation.id, content="/clear")
    message_submit(conversation_id=conversation.id, content="/help")

    async def run() -> None:
        comm = communicator(f"/ws/chat/{conversation.id}/?after=0")
        assert (await comm.connect())[0]
        frames = [await comm.receive_json_from(timeout=2) for _ in range(3)]
        assert [f["message"]["content"] for f in frames][:2] == ["Conversation cleared.", "/help"]
        assert frames[0]["message"]["metadata"] == {"command": "/clear"}
        assert await comm.receive_nothing(0.3)
        await comm.disconnect()

    scenario(run)


def test_an_unknown_conversation_is_closed_with_4404(db):
    async def run() -> None:
        frames, code = await closed_with(communicator("/ws/chat/0123456789abcdef/"))
        assert code == 4404
        assert frames == [
            {"type": "error", "status": 404, "detail": "Conversation '0123456789abcdef' not found"}
        ]

    scenario(run)


def test_a_foreign_browser_origin_is_closed_with_4403(conversation):
    async def run() -> None:
        headers = [*LOCAL, (b"origin", b"http://evil.example")]
        frames, code = await closed_with(communicator(f"/ws/chat/{conversation.id}/", headers))
        assert (frames, code) == ([], 4403)

    scenario(run)


def test_a_dns_rebinding_host_is_closed_with_4403(conversation):
    async def run() -> None:
        headers = [(b"host", b"evil.example:6767"), (b"origin", b"http://evil.example:6767")]
        assert (await closed_with(communicator(f"/ws/chat/{conversation.id}/", headers)))[1] == 4403

    scenario(run)


@pytest.mark.parametrize("origin", [None, b"http://localhost:6767", b"http://127.0.0.1:6767"])
def test_clients_without_origin_and_local_pages_are_let_in(conversation, origin):
    async def run() -> None:
        headers = LOCAL + ([(b"origin", origin)] if origin else [])
        comm = communicator(f"/ws/chat/{conversation.id}/", headers)
        assert (await comm.connect())[0]
        await comm.send_json_to({"type": "message", "content": "/help"})
        frames = [await comm.receive_json_from(timeout=2) for _ in range(2)]
        assert [f["message"]["type"] for f in frames] == ["command", "command"]
        await comm.disconnect()

    scenario(run)


@pytest.mark.parametrize(
    ("frame", "status", "detail"),
    [
        ({"type": "message", "content": "   "}, 422, "Message content is empty"),
        ({"type": "message", "content": "x" * 32_769}, 413, "Message too long (max 32768 bytes)"),
        ({"type": "message"}, 422, "Message content must be a string"),
        ({"type": "dance"}, 422, "Unknown frame type 'dance'; valid: 'message'"),
        ("not json", 422, "frame: invalid JSON at line 1, column 1: Expecting value"),
        ("[1]", 422, "Frames must be JSON objects"),
    ],
)
def test_bad_client_frames_get_an_error_frame_and_the_socket_stays_usable(
    conversation, frame, status, detail
):
    async def run() -> None:
        comm = communicator(f"/ws/chat/{conversation.id}/")
        assert (await comm.connect())[0]
        await comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))
        assert await comm.receive_json_from(timeout=2) == {
            "type": "error",
            "status": status,
            "detail": detail,
        }
        await comm.send_json_to({"type": "message", "content": "/help"})
        assert (await comm.receive_json_from(timeout=2))["type"] == "message"
        await comm.disconnect()

    scenario(run)
    assert not Message.objects.filter(type="chat").exists()


def test_proposal_cards_answers_and_results_are_pushed(conversation, dummy_integration, api_client):
    async def run() -> None:
        comm = communicator(f"/ws/chat/{conversation.id}/")
        assert (await comm.connect())[0]
        await comm.send_json_to({"type": "message", "content": "propose hi"})
        await frames_until(comm, is_task("pending"))  # stored and queued
        await database_sync_to_async(run_turns)()
        frames = await frames_until(comm, is_task("done"))
        card = next(
            f["message"] for f in frames if f["type"] == "message" and f["message"]["type"] == "confirmation"
        )
        assert card["metadata"]["status"] == "pending"
        pid = card["metadata"]["proposal_id"]
        await database_sync_to_async(api_client.post)(
            f"/api/chat/conversations/{conversation.id}/proposals/{pid}",
            {"option": "approve"},
            content_type="application/json",
        )
        answered = await frames_until(comm, is_task("pending"))
        assert [f["message"]["content"] for f in answered if f["type"] == "message"] == [
            "approve",
            "Processing…",
        ]
        await database_sync_to_async(run_services)()
        result = await frames_until(comm, is_task("done"))
        assert [f["message"]["content"] for f in result if f["type"] == "message"] == ["hi"]
        await comm.disconnect()

    scenario(run)


# --- exposed mode ------------------------------------------------------------------------------------
@pytest.fixture
def exposed(settings: Any) -> None:
    settings.AUTH_REQUIRED = True
    settings.ALLOWED_HOSTS = ["*"]


PUBLIC = [(b"host", b"steward.example.com")]


def test_exposed_mode_refuses_anonymous_sockets_with_4401(conversation, exposed):
    async def run() -> None:
        assert (await closed_with(communicator(f"/ws/chat/{conversation.id}/", PUBLIC)))[1] == 4401
        bad = [*PUBLIC, (b"authorization", b"Bearer stw_wrong")]
        assert (await closed_with(communicator(f"/ws/chat/{conversation.id}/", bad)))[1] == 4401

    scenario(run)


@pytest.mark.parametrize("where", ["header", "query"])
def test_exposed_mode_accepts_an_api_token(conversation, exposed, where, admin_user):
    from orchestrator.models import ApiToken

    _, raw = ApiToken.issue("phone")
    path = f"/ws/chat/{conversation.id}/" + (f"?token={raw}" if where == "query" else "")
    headers = PUBLIC + ([(b"authorization", f"Bearer {raw}".encode())] if where == "header" else [])

    async def run() -> None:
        comm = communicator(path, headers)
        assert (await comm.connect())[0]
        await comm.send_json_to({"type": "message", "content": "/help"})
        assert (await comm.receive_json_from(timeout=2))["type"] == "message"
        await comm.disconnect()

    scenario(run)


def test_exposed_mode_accepts_the_session_of_a_same_origin_page(conversation, exposed, django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_superuser("owner", password="pw")
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    same = [*PUBLIC, (b"cookie", cookie), (b"origin", b"https://steward.example.com")]
    foreign = [*PUBLIC, (b"cookie", cookie), (b"origin", b"https://evil.example")]

    async def run() -> None:
        comm = communicator(f"/ws/chat/{conversation.id}/", same)
        assert (await comm.connect())[0]
        await comm.send_json_to({"type": "message", "content": "/help"})
        assert (await comm.receive_json_from(timeout=2))["type"] == "message"
        await comm.disconnect()
        # With every host allowed, a browser must come from this very server: no hijacking.
        assert (await closed_with(communicator(f"/ws/chat/{conversation.id}/", foreign)))[1] == 4403

    scenario(run)
