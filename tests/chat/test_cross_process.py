"""Replies produced by a worker process reach a websocket held by the daphne process.

The real supervisor (daphne + both Django-Q2 clusters) runs on a free port with a file database;
a plain ``websockets`` client (no Origin header, like a script) listens while a message is POSTed.
Once on the embedded default (the consumer polls the database), once through Redis.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import websockets

from tests.chat.harness import StewardServer, steward_server

pytestmark = pytest.mark.slow

PUSH_BUDGET_S = 0.5  # from the worker storing the reply to the socket receiving it
FIRST_REPLY_TIMEOUT_S = 30.0  # the first turn may wait for the interactive cluster to start


@pytest.fixture(scope="module")
def embedded_server() -> Iterator[StewardServer]:
    with steward_server() as server:
        yield server


async def converse(server: StewardServer, conversation_id: str, texts: list[str]) -> list[dict[str, Any]]:
    """POST each text while a websocket listens; per reply: content, push delay, round trip."""
    results = []
    async with (
        websockets.connect(server.ws_url(conversation_id), open_timeout=10) as ws,
        httpx.AsyncClient(base_url=server.url, timeout=10) as http,
    ):
        for text in texts:
            sent = time.time()
            response = await http.post(
                f"/api/chat/conversations/{conversation_id}/messages", json={"content": text}
            )
            assert response.status_code == 200, response.text
            task_id = response.json()["task_id"]
            statuses = []
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=FIRST_REPLY_TIMEOUT_S))
                received = time.time()
                if frame["type"] == "task" and frame["task_id"] == task_id:
                    statuses.append(frame["status"])
                if frame["type"] == "message" and frame["message"]["role"] == "assistant":
                    stored = datetime.fromisoformat(frame["message"]["timestamp"]).timestamp()
                    reply = {"content": frame["message"]["content"], "push_s": received - stored}
                    reply["round_trip_s"] = received - sent
                if statuses and statuses[-1] in {"done", "failed"}:
                    results.append({**reply, "statuses": statuses})
                    break
    return results


async def close_code(ws: Any) -> int:
    """Read until the server closes; its close code."""
    try:
        while True:
            await ws.recv()
    except websockets.ConnectionClosed as closed:
        return int(closed.rcvd.code) if closed.rcvd is not None else -1


def assert_pushed(results: list[dict[str, Any]], texts: list[str]) -> None:
    assert [r["content"] for r in results] == [f"echo: {t}" for t in texts]
    for result in results:
        assert result["statuses"][-1] == "done"
        # Statuses arrive in order; with an instant model and a woken worker a turn may be done
        # before the socket first reads it, so the earlier ones may be skipped.
        order = ["pending", "running", "done"]
        assert [order.index(s) for s in result["statuses"]] == sorted(
            order.index(s) for s in result["statuses"]
        )
    # The first turn may find the worker still starting; later ones show the push path itself.
    for result in results[1:]:
        assert result["push_s"] < PUSH_BUDGET_S, results


def test_a_worker_reply_reaches_the_websocket_on_the_embedded_default(embedded_server):
    conversation_id = embedded_server.new_conversation()
    texts = ["Hello", "second", "third", "fourth"]
    results = asyncio.run(converse(embedded_server, conversation_id, texts))
    assert_pushed(results, texts)
    assert "channels_redis" not in embedded_server.output()


def test_a_reconnect_with_after_gets_the_reply_it_missed(embedded_server):
    conversation_id = embedded_server.new_conversation()
    first = embedded_server.post(
        f"/api/chat/conversations/{conversation_id}/messages", {"content": "slow one"}
    )
    seen = embedded_server.get(f"/api/chat/conversations/{conversation_id}/history")["messages"][-1]["id"]

    async def reconnect() -> list[dict[str, Any]]:
        deadline = time.monotonic() + FIRST_REPLY_TIMEOUT_S
        while embedded_server.get(f"/api/chat/tasks/{first['task_id']}")["status"] == "pending":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        async with websockets.connect(embedded_server.ws_url(conversation_id, after=seen)) as ws:
            return [json.loads(await asyncio.wait_for(ws.recv(), timeout=5))]

    [frame] = asyncio.run(reconnect())
    assert frame["message"]["content"] == "echo: slow one"


def test_an_unknown_conversation_is_closed_with_4404_by_the_real_server(embedded_server):
    async def attempt() -> int:
        async with websockets.connect(embedded_server.ws_url("0123456789abcdef")) as ws:
            return await close_code(ws)

    assert asyncio.run(attempt()) == 4404


def test_a_foreign_origin_is_closed_with_4403_by_the_real_server(embedded_server):
    conversation_id = embedded_server.new_conversation()

    async def attempt() -> int:
        url = embedded_server.ws_url(conversation_id)
        async with websockets.connect(url, origin="http://evil.example") as ws:
            return await close_code(ws)

    assert asyncio.run(attempt()) == 4403


@pytest.mark.redis
def test_a_worker_reply_reaches_the_websocket_through_redis(redis_url):
    with steward_server(redis_url=redis_url) as server:
        conversation_id = server.new_conversation()
        texts = ["Hello redis", "again", "and again", "once more"]
        results = asyncio.run(converse(server, conversation_id, texts))
    assert_pushed(results, texts)


def curl(*args: str) -> Any:
    done = subprocess.run(
        ["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def curl_poll(url: str) -> dict[str, Any]:
    deadline = time.monotonic() + FIRST_REPLY_TIMEOUT_S
    while (body := curl(url))["status"] == "pending":
        assert time.monotonic() < deadline, body
        time.sleep(0.1)
    return dict(body)


def test_the_seed_curl_examples_work_against_the_real_server(embedded_server):
    base = f"http://localhost:{embedded_server.port}"
    json_body = ["-H", "Content-Type: application/json", "-d"]
    # List existing conversations
    assert isinstance(curl(f"{base}/api/chat/conversations")["conversations"], list)
    # Create a conversation
    conversation_id = curl("-X", "POST", f"{base}/api/chat/conversations")["conversation_id"]
    # Send a message
    messages = f"{base}/api/chat/conversations/{conversation_id}/messages"
    sent = curl("-X", "POST", messages, *json_body, '{"content": "Hello"}')
    assert sent["type"] == "chat"
    # Poll for the response (returns a messages list, idempotent)
    polled = curl_poll(f"{base}/api/chat/tasks/{sent['task_id']}")
    assert polled["messages"][0]["content"] == "echo: Hello"
    assert curl(f"{base}/api/chat/tasks/{sent['task_id']}") == polled
    # Respond to a proposal
    proposed = curl("-X", "POST", messages, *json_body, '{"content": "propose via curl"}')
    card = curl_poll(f"{base}/api/chat/tasks/{proposed['task_id']}")["messages"][-1]
    proposal = f"{base}/api/chat/conversations/{conversation_id}/proposals/{card['metadata']['proposal_id']}"
    answered = curl("-X", "POST", proposal, *json_body, '{"option": "approve"}')
    assert answered["message"]["content"] == "Processing…"
    result = curl_poll(f"{base}/api/chat/tasks/{answered['task_id']}")
    assert (result["status"], result["messages"][0]["content"]) == ("done", "via curl")
