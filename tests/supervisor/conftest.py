"""A real ``manage.py supervisor`` subprocess on a free port, with a file SQLite database.

The test process reaches the same database through the ORM (tests.queue.databases), and every
process the supervisor started is killed at teardown even if the supervisor itself misbehaves.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from orchestrator.supervision import kill_session, session_pids
from tests.queue.databases import QueueDatabase, connected_to, sqlite_copy, sqlite_template
from tests.queue.processes import REPO_ROOT, cluster_is_up, stop_process, wait_until

STARTUP_TIMEOUT_S = 60


def child_pids(parent: int) -> list[int]:
    """Direct children of *parent* (each supervisor child leads a session of its own)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == parent and fields[0] != "Z":
                children.append(int(entry.name))
    return children


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def process_name(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class RunningSupervisor:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    sessions: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def children(self) -> dict[str, int]:
        """``{"web": pid, "workers": pid}`` as running now (forked children carry their name in
        ``/proc/<pid>/comm``; ``--dev`` execs them, so their command line says what they are)."""
        found = {}
        for pid in child_pids(self.process.pid):
            line, name = command_line(pid), process_name(pid)
            self.sessions.add(pid)
            if name == "steward-web" or "daphne" in line:
                found["web"] = pid
            elif name == "steward-workers" or "qcluster" in line:
                found["workers"] = pid
        return found

    def all_pids(self) -> set[int]:
        """The supervisor, its children and everything they started."""
        pids = {self.process.pid}
        for session in {*self.children().values(), *self.sessions}:
            pids.update(session_pids(session))
        return pids

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


StartSupervisor = Callable[..., RunningSupervisor]


@pytest.fixture(scope="session")
def supervisor_template_file(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: object) -> Path:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        return sqlite_template(tmp_path_factory.mktemp("supervisor-template"))


@pytest.fixture
def supervisor_db(
    tmp_path: Path, supervisor_template_file: Path, django_db_blocker: object
) -> Iterator[QueueDatabase]:
    database = sqlite_copy(supervisor_template_file, tmp_path / "data")
    with django_db_blocker.unblock(), connected_to(database):  # type: ignore[attr-defined]
        yield database


@pytest.fixture
def start_supervisor(supervisor_db: QueueDatabase, free_port: int) -> Iterator[StartSupervisor]:
    """Starts ``manage.py supervisor --port <free> [args]`` and waits for ``GET /``; always cleans up."""
    started: list[RunningSupervisor] = []

    def start(*args: str, wait: bool = True, **env: str) -> RunningSupervisor:
        since = time.time()
        log = supervisor_db.data_dir / f"supervisor-{len(started)}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "supervisor", "--port", str(free_port), *args],
                cwd=REPO_ROOT,
                env=supervisor_db.env(**env),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = RunningSupervisor(process, free_port, log)
        started.append(running)
        if wait:
            wait_until(
                lambda: healthy(running.url) or process.poll() is not None,
                timeout=STARTUP_TIMEOUT_S,
                interval=0.3,
                what="the supervisor to answer GET /",
            )
            assert process.poll() is None, running.output()
            wait_until(lambda: cluster_is_up("default", since), timeout=30, what="the cluster")
            wait_until(lambda: len(running.children()) == 2, timeout=10, what="both children")
        return running

    try:
        yield start
    finally:
        for running in started:
            if running.process.poll() is None:
                running.children()  # remember every child's session before they go
            stop_process(running.process, grace_s=30)
            for session in running.sessions:
                kill_session(session)
