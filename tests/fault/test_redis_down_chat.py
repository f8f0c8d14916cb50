"""Redis (``REDIS_URL``: channel layer, cache, wake-ups) dies while a chat is open, then comes back.

The database stays the truth (docs/CHAT.md): a message sent during the outage is stored and
answered by the worker; the socket that was open either still delivers the reply or is closed —
never open and silent; a client reconnecting with ``?after=`` once Redis is back gets the reply
it missed, the HTTP history shows it, and new replies are pushed again.

The Redis is this test's own (``redis-server`` on a free port), never the shared one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import websockets

from tests.chat.harness import StewardServer, steward_server

REPLY_TIMEOUT_S = 45.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not listen on {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    server = OwnRedis(free_port()).start()
    try:
        yield server
    finally:
        server.kill()


def post_message(server: StewardServer, conversation_id: str, text: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/api/chat/conversations/{conversation_id}/messages", json={"content": text}, timeout=15
    )
    assert response.status_code == 200, (response.status_code, response.text)
    return dict(response.json())


async def next_reply(ws: Any, timeout: float = REPLY_TIMEOUT_S) -> dict[str, Any]:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=timeout))
        if frame["type"] == "message" and frame["message"]["role"] == "assistant":
            return dict(frame["message"])


def task_messages(server: StewardServer, task_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while (body := server.get(f"/api/chat/tasks/{task_id}"))["status"] in {"pending", "running"}:
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    return dict(body)


def test_a_reply_made_while_redis_is_down_is_never_lost(own_redis: OwnRedis):
    with steward_server(redis_url=own_redis.url) as server:
        conversation_id = server.new_conversation()

        async def scenario() -> dict[str, Any]:
            seen: dict[str, Any] = {}
            ws = await websockets.connect(server.ws_url(conversation_id), open_timeout=10)
            post_message(server, conversation_id, "before")
            before = await next_reply(ws)
            assert before["content"] == "echo: before"
            seen["last_id"] = before["id"]

            own_redis.kill()
            sent = await asyncio.to_thread(post_message, server, conversation_id, "during")
            # The open socket: it delivers the reply (from the database) or is closed — loudly.
            try:
                seen["open_socket"] = (await next_reply(ws))["content"]
            except websockets.ConnectionClosed as closed:
                seen["open_socket"] = f"closed {closed.rcvd.code if closed.rcvd else -1}"
            except TimeoutError:
                seen["open_socket"] = "silent"
            seen["task"] = await asyncio.to_thread(task_messages, server, sent["task_id"])
            with contextlib.suppress(Exception):
                await ws.close()

            own_redis.start()  # the same port: Redis is back (empty, as after a restart)
            async with websockets.connect(
                server.ws_url(conversation_id, after=seen["last_id"]), open_timeout=10
            ) as again:
                seen["replayed"] = (await next_reply(again))["content"]
                post_message(server, conversation_id, "after")
                seen["after"] = (await next_reply(again))["content"]
            return seen

        seen = asyncio.run(scenario())
        history = server.get(f"/api/chat/conversations/{conversation_id}/history")["messages"]

    assert seen["open_socket"] != "silent", "the open socket neither delivered the reply nor closed"
    assert seen["open_socket"] in {"echo: during"} or seen["open_socket"].startswith("closed"), seen
    assert seen["task"]["status"] == "done", seen["task"]
    assert [m["content"] for m in seen["task"]["messages"]] == ["echo: during"]
    assert seen["replayed"] == "echo: during", "the reconnect did not replay the missed reply"
    assert seen["after"] == "echo: after"
    contents = [m["content"] for m in history]
    assert contents == ["before", "echo: before", "during", "echo: during", "after", "echo: after"], contents
