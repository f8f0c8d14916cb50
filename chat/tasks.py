"""The ``chat.turn`` task type: a thin adapter over :func:`chat.turns.turn_run`."""

from __future__ import annotations

from typing import Any

from chat.turns import turn_run
from orchestrator.models import Task
from orchestrator.queue import task_handler

# Above one chat call's cap (3 x 120 s + 30 s), under TASK_MAX_RUNTIME_S.
TURN_MAX_RUNTIME_S = 400


@task_handler("chat.turn", max_runtime_s=TURN_MAX_RUNTIME_S, max_attempts=3)
def chat_turn(task: Task) -> dict[str, Any]:
    """Answer one user message (payload ``conversation_id``, ``message_id``)."""
    return turn_run(task)
