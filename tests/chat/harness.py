"""A real Steward server for chat tests and benchmarks: ``manage.py supervisor`` in a subprocess.

It runs with its own data dir (a file SQLite database), the dummy plugin, the scripted chat model
and, optionally, ``REDIS_URL``. Data is seeded in a separate process before start. Stopping sends
SIGTERM to the supervisor's PID, waits, then SIGKILLs every process it left behind, PID by PID, so
nothing outlives a test — even when the supervisor itself misbehaves.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTED_LLM = "tests.plugins.chat_llm.scripted_chat"
STARTUP_TIMEOUT_S = 60.0
STOP_GRACE_S = 20.0

SEED_DUMMY = """
from orchestrator.models import Integration, PlatformConfig
integration, _ = Integration.objects.get_or_create(type="dummy", name="one")
PlatformConfig.objects.get_or_create(
    integration=integration, name="items", defaults={"options": {"count": 3}}
)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a server process: only what the test chooses, never the test settings."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STEWARD_", "DJANGO_", "Q_CLUSTER"))
        and key not in {"REDIS_URL", "DATABASE_URL"}
    }
    return inherited | {
        "DJANGO_SETTINGS_MODULE": "orchestrator.settings",
        "STEWARD_DATA_DIR": str(data_dir),
        "STEWARD_PLUGINS": "tests.plugins.dummy",
        "STEWARD_CHAT_LLM": SCRIPTED_LLM,
        "STEWARD_TIME_ZONE": "UTC",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def run_python(code: str, env: dict[str, str], *, timeout: float = 120) -> str:
    """Run *code* in a fresh Django process with *env*; its stdout (stderr shown on failure)."""
    script = f"import django\ndjango.setup()\n{code}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seed/probe process failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def descendants(root: int) -> list[int]:
    """Every live process below *root* (children, their sessions' workers, …)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: list[int] = []
    frontier = [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def command_line(pid: int) -> str:
    with contextlib.suppress(OSError):
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    return ""


def process_name(pid: int) -> str:
    """``/proc/<pid>/comm``: the supervisor names its forked children ``steward-web``, ``steward-workers``."""
    with contextlib.suppress(OSError):
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    return ""


@dataclass
class StewardServer:
    data_dir: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    known: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, conversation_id: str, after: int | None = None) -> str:
        query = f"?after={after}" if after is not None else ""
        return f"ws://127.0.0.1:{self.port}/ws/chat/{conversation_id}/{query}"

    @property
    def log(self) -> Path:
        return self.data_dir / "supervisor.log"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "supervisor", "--port", str(self.port)],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"supervisor did not come up on {self.url}:\n{self.output()[-4000:]}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def pids(self) -> dict[str, int]:
        """The current ``web`` (daphne) and worker processes, by role."""
        assert self.process is not None
        found: dict[str, int] = {}
        for pid in descendants(self.process.pid):
            self.known.add(pid)
            line, name = command_line(pid), process_name(pid)
            if "daphne" in line or name == "steward-web":
                found.setdefault("web", pid)
            elif "qcluster" in line or name == "steward-workers":
                found.setdefault(f"qcluster-{pid}", pid)
        return found

    def stop(self) -> None:
        if self.process is None:
            return
        self.known.update(descendants(self.process.pid))
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_GRACE_S)
        leftovers = self.known | set(descendants(self.process.pid))
        if self.process.poll() is None:
            leftovers.add(self.process.pid)
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    # --- talking to it -----------------------------------------------------------------------------
    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.url}{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def get(self, path: str) -> Any:
        response = httpx.get(f"{self.url}{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def new_conversation(self) -> str:
        return str(self.post("/api/chat/conversations")["conversation_id"])

    def python(self, code: str) -> str:
        """Run Django code against this server's database, in a separate process."""
        return run_python(code, self.env)

    def python_json(self, code: str) -> Any:
        return json.loads(self.python(code).strip().splitlines()[-1])


@contextlib.contextmanager
def steward_server(*, redis_url: str = "", seed: str = SEED_DUMMY, **env: str) -> Iterator[StewardServer]:
    """A migrated, seeded, running server; stopped (and every child killed) on exit."""
    with tempfile.TemporaryDirectory(prefix="steward-chat-") as tmp:
        data_dir = Path(tmp)
        extra = {"REDIS_URL": redis_url} if redis_url else {}
        server = StewardServer(data_dir, free_port(), server_env(data_dir, **extra, **env))
        run_python(
            f"from django.core.management import call_command\ncall_command('migrate', verbosity=0)\n{seed}",
            server.env,
        )
        try:
            server.start()
            yield server
        finally:
            server.stop()
