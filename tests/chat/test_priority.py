"""A chat turn (priority 1) overtakes 500 waiting classification tasks (priority 6).

In the queue's own order (one claimer for every priority), the turn is the very next task claimed
after those already claimed; with the real supervisor, the cluster's reserved worker starts it within
a second while the background workers are busy, before any classification that was still waiting.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chat.submit import message_submit
from orchestrator.queue import enqueue
from orchestrator.queue.claim import claim_next
from tests.chat.harness import steward_server

LEASE = timedelta(minutes=5)
WAITING = 500


def classification(n: int) -> None:
    enqueue("test.record", {"log": "/dev/null", "label": f"classify-{n}"}, priority=6)


@pytest.mark.django_db
def test_a_chat_turn_is_claimed_before_every_classification_not_already_claimed(conversation):
    for n in range(WAITING):
        classification(n)
    already = [claim_next(None, LEASE) for _ in range(2)]
    assert all(task is not None and task.priority == 6 for task in already)
    submitted = message_submit(conversation_id=conversation.id, content="Hello")
    claimed = claim_next(None, LEASE)
    assert claimed is not None
    assert claimed.uid == submitted.task_uid
    assert claim_next(None, LEASE).priority == 6  # then the background work goes on


@pytest.mark.django_db
def test_the_claim_for_the_reserved_worker_takes_only_chat_turns(conversation):
    for n in range(20):
        classification(n)
    submitted = message_submit(conversation_id=conversation.id, content="Hello")
    assert claim_next("default", LEASE).type == "test.record"
    assert claim_next("interactive", LEASE).uid == submitted.task_uid


PROBE = """
import json
from django.db import transaction
from chat.store import conversation_create
from chat.submit import message_submit
from orchestrator.models import Task
from tests.chat.probe_steps import enqueue_classifications, finished_turn

enqueue_classifications({waiting}, "{log}", sleep_s={sleep_s})
conversation = conversation_create()
with transaction.atomic():  # one write transaction: nothing is claimed between the two lines
    waiting = list(Task.objects.filter(type="test.record", status="pending").values_list("pk", flat=True))
    submitted = message_submit(conversation_id=conversation.id, content="Hello")
turn = finished_turn(submitted.task_uid, poll_s=0.02)
first_other = (
    Task.objects.filter(pk__in=waiting, started_at__isnull=False).order_by("started_at")
    .values_list("started_at", flat=True).first()
)
print(json.dumps({{
    "status": turn.status,
    "waiting": len(waiting),
    "latency_s": (turn.started_at - turn.created_at).total_seconds(),
    "started_first": first_other is None or turn.started_at < first_other,
}}))
"""


@pytest.mark.slow
def test_with_the_real_clusters_a_chat_turn_starts_within_a_second_behind_500_classifications():
    with steward_server() as server:
        log = server.data_dir / "classify.jsonl"
        # Classifications take a while (an LLM call each), so the background workers stay busy.
        outcome = server.python_json(PROBE.format(waiting=WAITING, log=log, sleep_s=5))
    assert outcome["status"] == "done", outcome
    assert outcome["waiting"] >= WAITING - 10, outcome  # nearly all were still waiting
    assert outcome["latency_s"] < 1.0, outcome
    assert outcome["started_first"], outcome
