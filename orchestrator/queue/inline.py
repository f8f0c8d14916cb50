"""Executing an integration run in this process, without a worker (``run_integration --inline``).

The tasks go through the same claim and :func:`execute` as in a Django-Q2 worker, so attempts,
retries, run counters and settling behave alike. Only the given entry tasks and the tasks linked to
the runs they start are claimed; anything else in the queue is left to the workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.db.models import Q

from orchestrator.models import Task
from orchestrator.queue.claim import claim_next
from orchestrator.queue.execution import execute

# execute() replaces this with the task type's own runtime budget once it starts.
CLAIM_LEASE = timedelta(minutes=5)
IDLE_POLL_S = 0.5
OPEN_STATES = (Task.Status.PENDING, Task.Status.RUNNING)


def run_scope(entry_pks: Sequence[int]) -> Q:
    """The entry tasks plus every task of the runs they have started so far."""
    run_ids = Task.objects.filter(pk__in=entry_pks, run__isnull=False).values_list("run_id", flat=True)
    return Q(pk__in=list(entry_pks)) | Q(run_id__in=list(run_ids))


def run_inline(entry_tasks: Sequence[Task], *, on_step: Callable[[], None] | None = None) -> int:
    """Claim and execute here the tasks of these entry tasks' runs until none is open.

    Tasks waiting for a retry (``not_before``) are waited for, as are tasks of these runs that a
    worker elsewhere happens to be running. Returns how many tasks this process executed.
    """
    entry_pks = [task.pk for task in entry_tasks]
    executed = 0
    while True:
        scope = run_scope(entry_pks)
        task = claim_next(None, CLAIM_LEASE, scope=scope)
        if task is not None:
            execute(task.pk, task.attempts)
            executed += 1
            if on_step is not None:
                on_step()
            continue
        if not Task.objects.filter(scope, status__in=OPEN_STATES).exists():
            return executed
        time.sleep(IDLE_POLL_S)
