"""Chat test fixtures: the scripted chat model, a conversation, and running queued tasks here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q

from chat.models import Conversation
from chat.store import conversation_create
from orchestrator.models import Task
from orchestrator.queue.claim import claim_next
from orchestrator.queue.execution import execute

SCRIPTED_LLM = "tests.plugins.chat_llm.scripted_chat"


@pytest.fixture(autouse=True)
def scripted_llm(settings: object) -> None:
    settings.STEWARD_CHAT_LLM = SCRIPTED_LLM  # type: ignore[attr-defined]


@pytest.fixture
def conversation(db: None) -> Conversation:
    return conversation_create()


def run_tasks(scope: Q = Q(type="chat.turn")) -> list[Task]:  # noqa: B008 -- a constant query
    """Claim and execute here every ready task in *scope* (chat turns by default), in claim order."""
    ran = []
    while (task := claim_next(None, timedelta(minutes=5), scope=scope)) is not None:
        execute(task.pk, task.attempts)
        ran.append(Task.objects.get(pk=task.pk))
    return ran


def run_turns() -> list[Task]:
    return run_tasks(Q(type="chat.turn"))


def run_services() -> list[Task]:
    return run_tasks(Q(type__startswith="service."))
