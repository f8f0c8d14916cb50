"""Two web machines (``supervisor --role web`` on two ports) and a worker machine on one PostgreSQL
+ Redis, behind a round-robin proxy (docs/DEPLOY.md, "Several web processes"):

* login throttling is shared: failed logins on A count on B;
* a chat reply produced by the worker machine reaches websockets held by A *and* by B — the
  proxy hands the two clients' connections to different web processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
from typing import Any

import httpx
import pytest
import redis
import websockets
from django.contrib.auth import get_user_model

from tests.fault.proxy import RoundRobinProxy
from tests.queue.processes import wait_until
from tests.supervisor.conftest import child_pids, healthy
from tests.supervisor.test_topology import Machines, machines, pg_db

__all__ = ["machines", "pg_db"]

# A Redis database of this test's own (flushed first); STEWARD_FAULT_REDIS_URL picks another, so
# runs side by side on one Redis do not flush each other's.
REDIS_DB_URL = os.environ.get("STEWARD_FAULT_REDIS_URL") or "redis://127.0.0.1:6379/10"
SCRIPTED_LLM = "tests.plugins.chat_llm.scripted_chat"
LOGIN = "/admin/login/"
REPLY_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def failed_login(base_url: str) -> int:
    """One wrong-password login through the admin form (CSRF token and all); the status code."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        page = client.get(LOGIN)
        if page.status_code == 429:
            return 429
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        answer = client.post(
            LOGIN,
            data={"username": "admin", "password": "wrong", "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base_url}{LOGIN}"},
        )
        return answer.status_code


async def replies_on(urls: list[str], post_url: str, conversation_id: str, text: str) -> list[str]:
    """Open one websocket per URL, POST *text*, return the assistant reply each socket received."""
    sockets = [await websockets.connect(url, open_timeout=10) for url in urls]
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(
                f"{post_url}/api/chat/conversations/{conversation_id}/messages", json={"content": text}
            )
            assert answer.status_code == 200, answer.text

        async def reply(ws: Any) -> str:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=REPLY_TIMEOUT_S))
                if frame["type"] == "message" and frame["message"]["role"] == "assistant":
                    return str(frame["message"]["content"])

        return list(await asyncio.gather(*(reply(ws) for ws in sockets)))
    finally:
        for ws in sockets:
            await ws.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_two_web_processes_share_login_throttling_and_chat_replies(machines: Machines, redis_url: str):
    redis.Redis.from_url(REDIS_DB_URL).flushdb()  # no throttle counts left from an earlier run
    get_user_model().objects.create_superuser("admin", "admin@example.com", "Correct-Horse-9")
    env = {"REDIS_URL": REDIS_DB_URL, "STEWARD_CHAT_LLM": SCRIPTED_LLM}
    ports = [free_port(), free_port()]
    webs = [machines.start("--role", "web", "--port", str(port), **env) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    for (process, log), url in zip(webs, urls, strict=True):
        wait_until(lambda u=url, p=process: healthy(u) or p.poll() is not None, timeout=90, what=url)
        assert process.poll() is None, log.read_text()
    worker, _ = machines.start("--role", "workers", **env)
    wait_until(lambda: len(child_pids(worker.pid)) == 1, timeout=30, what="the worker machine")

    # Five failures spread over both web processes use up the allowance on both.
    a, b = urls
    assert [failed_login(u) for u in (a, b, a, b, a)] == [200] * 5
    assert failed_login(b) == 429, "B did not see the failures made on A"
    assert failed_login(a) == 429

    with RoundRobinProxy(ports).running() as proxy:
        conversation_id = httpx.post(f"{a}/api/chat/conversations", timeout=10).json()["conversation_id"]
        ws_url = f"ws://127.0.0.1:{proxy.port}/ws/chat/{conversation_id}/"
        before = len(proxy.routed)
        got = asyncio.run(replies_on([ws_url, ws_url], proxy.url, conversation_id, "hello both"))
        assert got == ["echo: hello both"] * 2
        # The two sockets went to different web processes (the POST went to whichever came next).
        assert set(proxy.routed[before : before + 2]) == set(ports), proxy.routed
