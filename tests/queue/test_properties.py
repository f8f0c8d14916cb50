"""Queue invariants under arbitrary interleavings (Hypothesis): order, dedup, bounded attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.models import Task
from orchestrator.queue import enqueue
from orchestrator.queue.claim import INTERACTIVE_PRIORITIES, claim_next, died_message
from orchestrator.queue.execution import execute
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.django_db

# No deadline (2 shared cores); fewer examples than the pure rules engine, each one uses the
# database. It is emptied at the start of every example, so the function-scoped db is fine.
per_example_db = settings(
    deadline=None, max_examples=examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
LEASE = timedelta(minutes=5)
DEAD_LEASE = timedelta(seconds=-1)  # expired at once: the claiming worker "died"

priorities = st.integers(min_value=1, max_value=9)
clusters = st.sampled_from(["default", "interactive"])


def cluster_of(priority: int) -> str:
    return "interactive" if priority in INTERACTIVE_PRIORITIES else "default"


@per_example_db
@given(st.lists(st.one_of(st.tuples(st.just("enqueue"), priorities), st.tuples(st.just("claim"), clusters))))
def test_claims_follow_priority_then_fifo_within_each_cluster(steps):
    Task.objects.all().delete()
    waiting: list[tuple[int, int, str]] = []  # (priority, pk, cluster)
    for n, (action, arg) in enumerate(steps):
        if action == "enqueue":
            task = enqueue("noop", {"echo": n}, priority=arg)
            waiting.append((arg, task.pk, cluster_of(arg)))
            continue
        claimed = claim_next(arg, lease=LEASE)
        mine = sorted(entry for entry in waiting if entry[2] == arg)
        if not mine:
            assert claimed is None
            continue
        assert claimed is not None
        assert claimed.pk == mine[0][1]
        waiting.remove(mine[0])


@per_example_db
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("enqueue"), st.integers(0, 3)),
            st.tuples(st.just("claim"), st.just(0)),
            st.tuples(st.just("finish"), st.just(0)),
        )
    )
)
def test_dedup_never_leaves_two_identical_pending_tasks(steps):
    Task.objects.all().delete()
    for action, payload in steps:
        if action == "enqueue":
            pending_twin = Task.objects.filter(
                type="noop", payload={"echo": payload}, status="pending"
            ).first()
            task = enqueue("noop", {"echo": payload}, priority=5)
            if pending_twin is not None:
                assert task.pk == pending_twin.pk
        elif action == "claim":
            claim_next("default", lease=LEASE)
        else:
            running = Task.objects.filter(status="running").order_by("id").first()
            if running is not None:
                execute(running.pk, running.attempts)
        pending = Task.objects.filter(status="pending")
        assert pending.count() == len(set(pending.values_list("type", "dedup_key")))


@per_example_db
@given(
    st.lists(st.tuples(st.booleans(), st.integers(1, 4)), min_size=1, max_size=5),
    st.lists(st.sampled_from(["run", "die", "wait"]), max_size=40),
)
def test_attempts_never_exceed_max_attempts(tasks, steps):
    Task.objects.all().delete()
    for n, (fails, max_attempts) in enumerate(tasks):
        enqueue("test.flaky", {"fail": fails, "n": n}, priority=5, max_attempts=max_attempts)
    for step in steps:
        if step == "wait":  # time passes: retries become due
            Task.objects.filter(status="pending").update(not_before=None)
            continue
        before = dict(Task.objects.values_list("pk", "attempts"))
        task = claim_next("default", lease=LEASE if step == "run" else DEAD_LEASE)
        if task is not None:
            assert task.attempts == before[task.pk] + 1, "a claim counts exactly one attempt"
            if step == "run":
                execute(task.pk, task.attempts)
        for attempts, max_attempts in Task.objects.values_list("attempts", "max_attempts"):
            assert attempts <= max_attempts
    for task in Task.objects.filter(status="failed", error__startswith="worker died"):
        assert task.error == died_message(task.attempts)
        assert task.attempts == task.max_attempts
