"""The ``chat.turn`` task type: a thin adapter over :func:`chat.turns.turn_run`."""

from __future__ import annotations

from typing import Any

from chat.turns import turn_run
from orchestrator.models import Task
from orchestrator.queue import task_handler

# Under the interactive cluster's 300 s timeout; the LLM call has its own client-side cap.
TURN_MAX_RUNTIME_S = 290


@task_handler("chat.turn", max_runtime_s=TURN_MAX_RUNTIME_S, max_attempts=3)
def chat_turn(task: Task) -> dict[str, Any]:
    """Answer one user message (payload ``conversation_id``, ``message_id``)."""
    return turn_run(task)
