"""Test-only task types for the queue tests, loaded in every process through tests.plugins.dummy.

Each handler appends one JSON line per start to the file named by ``payload["log"]`` (appends of
one short line are atomic, so several worker processes can share the file), so tests see from
outside what ran, in which order, in which process and on which attempt.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from orchestrator.models import Task
from orchestrator.queue import task_handler

HANG_S = 60.0  # far longer than any test waits: the test kills the worker first


def record_start(task: Task) -> None:
    line = {
        "label": task.payload.get("label"),
        "pk": task.pk,
        "priority": task.priority,
        "attempt": task.attempts,
        "pid": os.getpid(),
        "at": time.time(),
    }
    with Path(task.payload["log"]).open("a") as handle:
        handle.write(json.dumps(line) + "\n")


def read_starts(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


@task_handler("test.record", max_runtime_s=30)
def record(task: Task) -> dict[str, Any]:
    """Records its start, then sleeps ``payload["sleep_s"]`` (default 0)."""
    record_start(task)
    time.sleep(float(task.payload.get("sleep_s", 0)))
    return {"label": task.payload.get("label")}


@task_handler("test.hang_first_attempt", max_runtime_s=30)
def hang_first_attempt(task: Task) -> dict[str, Any]:
    """Records its start; the first attempt hangs (for the test to kill), later ones finish."""
    record_start(task)
    if task.attempts == 1:
        time.sleep(HANG_S)
    return {"attempt": task.attempts}


@task_handler("test.die", max_runtime_s=5, max_attempts=3)
def die(task: Task) -> dict[str, Any]:
    """Records its start, then SIGKILLs its own worker — unless ``payload["spare_if"]`` exists."""
    record_start(task)
    if not Path(task.payload["spare_if"]).exists():
        os.kill(os.getpid(), signal.SIGKILL)
    return {"spared": True}


@task_handler("test.flaky", max_runtime_s=5)
def flaky(task: Task) -> dict[str, Any]:
    """Fails transiently (a ConnectionError) while ``payload["fail"]`` is true; no log file."""
    if task.payload.get("fail"):
        raise ConnectionError("flaky test task")
    return {}
