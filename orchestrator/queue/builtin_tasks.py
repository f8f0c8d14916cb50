"""Task types the core itself provides."""

from __future__ import annotations

from typing import Any

from orchestrator.models import Task
from orchestrator.queue.handlers import task_handler


@task_handler("noop", max_runtime_s=30)
def noop(task: Task) -> dict[str, Any]:
    """Does nothing; used by benchmarks and health checks to measure the queue itself."""
    return {"echo": task.payload.get("echo")}
