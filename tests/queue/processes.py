"""Real ``qcluster`` subprocesses for the queue tests, always stopped, never left behind.

Each runs in its own session; stopping sends SIGTERM to its PID only (a group SIGTERM hangs
Django-Q2), waits, then kills whatever is left of the session PID by PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from orchestrator.models import Run
from orchestrator.supervision import kill_session, session_pids
from tests.queue.databases import QueueDatabase

REPO_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class StopsAll(Protocol):
    def stop_all(self) -> None: ...


S = TypeVar("S", bound=StopsAll)


def stopped_at_the_end(started: S) -> Iterator[S]:
    """For a fixture: yield *started*, then stop every process it started, however the test ended."""
    try:
        yield started
    finally:
        started.stop_all()


def wait_until(check: Callable[[], T], *, timeout: float, interval: float = 0.1, what: str = "") -> T:
    """Poll *check* until it returns something truthy; fail the test after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or check}")
        time.sleep(interval)


def stop_process(process: subprocess.Popen[bytes], *, grace_s: float = 15.0) -> None:
    """SIGTERM to the PID, a bounded wait, then SIGKILL to everything left in its session."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    reap(process, deadline=time.monotonic() + grace_s)


def reap(process: subprocess.Popen[bytes], *, deadline: float) -> None:
    """Wait for a signalled process until *deadline*, then kill what is left of its session.

    Never signal a qcluster twice: its handler re-entered mid ``Event.set()`` deadlocks.
    """
    try:
        process.wait(timeout=max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        dump_stacks(process.pid)
    kill_session(process.pid)
    process.wait(timeout=10)


def dump_stacks(session_id: int) -> None:
    """Have every process of a session that did not stop print its Python stacks into its log.

    The subprocesses run with PYTHONFAULTHANDLER=1, which prints all threads on SIGABRT.
    """
    print(f"pid {session_id} did not stop in time; its stacks go to its log", file=sys.stderr)
    for pid in session_pids(session_id):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGABRT)
    time.sleep(1)


@dataclass
class Clusters:
    """Starts ``manage.py qcluster`` processes against one database; stops them all at teardown."""

    database: QueueDatabase
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str = "default", **env: str) -> subprocess.Popen[bytes]:
        extra = dict(env)
        if name != "default":
            extra["Q_CLUSTER_NAME"] = name
        log = self.log_path(name, len(self.started))
        with log.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=REPO_ROOT,
                env=self.database.env(**extra),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def log_path(self, name: str, index: int) -> Path:
        return self.database.data_dir / f"qcluster-{index}-{name}.log"

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.database.data_dir.glob("qcluster-*.log"))
        )

    def stop_all(self, grace_s: float = 15.0) -> None:
        for process in self.started:  # all at once, so they stop in parallel
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for process in self.started:
            reap(process, deadline=deadline)


def cluster_is_up(name: str, since: float) -> bool:
    """True once the cluster's pusher has written a heartbeat (it beats on its first poll)."""
    from datetime import UTC, datetime

    from orchestrator.models import WorkerHeartbeat

    return WorkerHeartbeat.objects.filter(
        cluster=name, last_seen__gte=datetime.fromtimestamp(since, tz=UTC)
    ).exists()


def wait_for_the_run(*, timeout: float, what: str) -> Run:
    """The run (the only one), once it has finished (done or not)."""
    wait_until(
        lambda: Run.objects.filter(finished_at__isnull=False).exists(),
        timeout=timeout,
        interval=0.5,
        what=what,
    )
    return Run.objects.get()
