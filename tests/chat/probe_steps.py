"""Steps the chat-priority probes run inside a server's own Django process (tests/chat/test_priority.py
and bench/chat.py send their probes as ``python -c`` code run from the repository root)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestrator.models import Task


def enqueue_classifications(count: int, log: str, *, sleep_s: float) -> None:
    """*count* classification-like tasks (priority 6), each taking *sleep_s*, their starts logged in *log*."""
    from orchestrator.queue import enqueue

    for n in range(count):
        enqueue("test.record", {"log": log, "label": f"classify-{n}", "sleep_s": sleep_s}, priority=6)


def finished_turn(task_uid: str, *, poll_s: float, timeout_s: float = 30) -> Task:
    """The chat turn's task once it is done or failed (or, after *timeout_s*, as it then is)."""
    from orchestrator.models import Task

    deadline = time.monotonic() + timeout_s
    while True:
        turn = Task.objects.get(uid=task_uid)
        if turn.status in ("done", "failed") or time.monotonic() > deadline:
            return turn
        time.sleep(poll_s)
