"""Executing an integration run in this process, without a worker (``run_integration --inline``).

The tasks go through the same claim and :func:`execute` as in a Django-Q2 worker, so attempts,
retries, run counters and settling behave alike. Only the given entry tasks and the tasks linked to
the runs they start are claimed; anything else in the queue is left to the workers.

A task of these runs left ``running`` by a process that died (a killed worker, an earlier inline
run) is claimed here again as soon as its short lease expires; while waiting, the runner says what
it waits for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from django.db.models import Q
from django.utils import timezone

from orchestrator.models import Task
from orchestrator.queue.claim import claim_next
from orchestrator.queue.execution import execute
from orchestrator.queue.lease import lease_length

IDLE_POLL_S = 0.5
OPEN_STATES = (Task.Status.PENDING, Task.Status.RUNNING)


def run_scope(entry_pks: Sequence[int]) -> Q:
    """The entry tasks plus every task of the runs they have started so far."""
    run_ids = Task.objects.filter(pk__in=entry_pks, run__isnull=False).values_list("run_id", flat=True)
    return Q(pk__in=list(entry_pks)) | Q(run_id__in=list(run_ids))


def waiting_for(scope: Q) -> str:
    """What an idle inline runner waits for: the first open task it cannot claim yet, and why."""
    task = Task.objects.filter(scope, status__in=OPEN_STATES).order_by("effective_priority", "id").first()
    if task is None:
        return ""
    now = timezone.now()
    name = f"{task.type}#{task.pk}"
    if task.status == Task.Status.RUNNING:
        holder = task.claimed_by or "another process"
        if task.lease_expires_at is None:
            return f"waiting for {name}, running in {holder}"
        left = max((task.lease_expires_at - now).total_seconds(), 0)
        return (
            f"waiting for {name}, running in {holder} "
            f"(reclaimed here if that process stops renewing its lease: {left:.0f} s left)"
        )
    if task.not_before is not None and task.not_before > now:
        error = f" after {task.error}" if task.error else ""
        return f"waiting for {name} to retry{error} in {(task.not_before - now).total_seconds():.0f} s"
    return f"waiting for {name}"


def run_inline(
    entry_tasks: Sequence[Task],
    *,
    on_step: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> int:
    """Claim and execute here the tasks of these entry tasks' runs until none is open.

    Tasks waiting for a retry (``not_before``) are waited for, as are tasks of these runs that a
    worker elsewhere is running; a running task whose lease expired (its process died) is claimed
    and executed here. *on_wait* hears what the runner waits for whenever that changes. Returns how
    many tasks this process executed.
    """
    entry_pks = [task.pk for task in entry_tasks]
    executed = 0
    told = ""
    while True:
        scope = run_scope(entry_pks)
        task = claim_next(None, lease_length(), scope=scope)
        if task is not None:
            told = ""
            execute(task.pk, task.attempts)
            executed += 1
            if on_step is not None:
                on_step()
            continue
        if not Task.objects.filter(scope, status__in=OPEN_STATES).exists():
            return executed
        if on_wait is not None:
            reason = waiting_for(scope)
            # Said once per task and state, not on every poll (the seconds left are a hint).
            key = reason.split(" (", 1)[0].split(" in ", 1)[0]
            if reason and key != told:
                on_wait(reason)
                told = key
        time.sleep(IDLE_POLL_S)
