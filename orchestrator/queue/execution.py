"""Running one claimed task inside a Django-Q2 worker and recording its outcome on the Task row."""

from __future__ import annotations

import logging
import random
import socket
import sys
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_q.conf import Conf
from django_q.exceptions import TimeoutException

from orchestrator.models import Task
from orchestrator.queue import query_count
from orchestrator.queue.handlers import HandlerSpec, UnknownTaskType, resolve
from orchestrator.queue.lease import LeaseKeeper, renew_running, take_over

logger = logging.getLogger(__name__)
T = TypeVar("T")

LEASE_GRACE_S = 15  # Django-Q2's guard kills an overdue worker ~4 s after its timeout
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    # A dropped database connection (PostgreSQL restarted, pg_terminate_backend, a failover).
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    socket.timeout,
)


class TaskTimedOut(TimeoutError):
    """The handler overran its declared maximum runtime; retried like any transient failure."""


def task_timeout_s(spec: HandlerSpec) -> int:
    """The handler's declared runtime, capped by the cluster ``timeout`` (the cluster's backstop)."""
    return min(spec.max_runtime_s, int(Conf.TIMEOUT)) if Conf.TIMEOUT else spec.max_runtime_s


def renewal_budget_s(spec: HandlerSpec) -> float:
    """How long the lease of a running task is renewed: its timeout plus the guard's kill delay."""
    return float(task_timeout_s(spec) + LEASE_GRACE_S)


def backoff(attempt: int) -> timedelta:
    """Exponential backoff with jitter: ~10 s, 20 s, 40 s … capped at 15 min."""
    base = min(10 * 2 ** max(attempt - 1, 0), 900)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 -- jitter, not a secret


def is_permanent(exc: BaseException) -> bool:
    declared = getattr(exc, "permanent", None)
    if declared is not None:
        return bool(declared)
    return not isinstance(exc, TRANSIENT_ERRORS) and not _is_http_transport_error(exc)


def _is_http_transport_error(exc: BaseException) -> bool:
    """An httpx connection or timeout error (transient). httpx is not imported for this: it costs
    ~9 MiB per tree (its CLI pulls in rich, click, pygments) and an exception of it can only exist
    once the handler that raised it imported it."""
    httpx = sys.modules.get("httpx")
    return httpx is not None and isinstance(exc, httpx.TransportError)


def execute(task_pk: int, claimed_attempt: int) -> None:
    """Django-Q2 entry point: run the task's handler once and store done/failed/retry.

    Django-Q2's worker refreshes stale database connections before calling this; the inline
    runner and tests call it directly, possibly inside a transaction.
    """
    counted_from = query_count.total()
    task = _reconnecting(lambda: Task.objects.filter(pk=task_pk).first())
    if task is None or task.status != Task.Status.RUNNING or task.attempts != claimed_attempt:
        logger.warning("task %s is no longer ours (claimed again or finished); skipping", task_pk)
        return
    try:
        spec = resolve(task.type)
    except UnknownTaskType as exc:
        _finish(task, error=f"{exc}. Is the plugin that provides it in STEWARD_PLUGINS?")
        return
    # Take the task over from the pusher and keep its short lease alive while the handler runs:
    # if this process dies, another worker claims the task one lease later (orchestrator/queue/lease.py).
    budget_s = renewal_budget_s(spec)
    if not _take_over(task.pk, claimed_attempt, runtime_s=budget_s):
        logger.warning("task %s was claimed again before it started; skipping", task_pk)
        return
    keeper = None
    if not connection.in_atomic_block:
        keeper = LeaseKeeper(
            f"lease-{task.type}#{task.pk}", lambda: renew_running(task.pk, claimed_attempt), until_s=budget_s
        ).start()
    try:
        result = spec.func(task)
    except TimeoutException:
        # Django-Q2's alarm (a SystemExit): record it, then let Django-Q2 replace this worker.
        _handle_failure(task, TaskTimedOut(f"timed out after {task_timeout_s(spec)} s"))
        raise
    except Exception as exc:
        if isinstance(exc, DatabaseError) and not connection.in_atomic_block:
            connection.close()  # a dropped connection: record the outcome on a fresh one
        _handle_failure(task, exc)
    else:
        _finish(task, result=result)
    finally:
        if keeper is not None:
            keeper.stop()
        _settle_run(task)
        query_count.task_counted(task.type, query_count.total() - counted_from)


def _reconnecting(query: Callable[[], T]) -> T:
    """Run *query*; if the connection dropped while this worker was idle (PostgreSQL restarted,
    ``pg_terminate_backend``), once more on a fresh one — else the pusher would keep renewing the
    lease of a task no worker runs."""
    try:
        return query()
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        connection.close()
        return query()


def _take_over(task_pk: int, attempt: int, *, runtime_s: float) -> bool:
    return _reconnecting(lambda: take_over(task_pk, attempt, runtime_s=runtime_s))


def _handle_failure(task: Task, exc: Exception) -> None:
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    trace = traceback.format_exc()
    # A task that never reached its work (e.g. no free LLM slot) gives its attempt back.
    attempt_given_back = getattr(exc, "counts_as_attempt", True) is False
    if is_permanent(exc) or (task.attempts >= task.max_attempts and not attempt_given_back):
        logger.warning("task %s (%s) failed: %s", task.uid, task.type, message)
        _finish(task, error=message, trace=trace)
        return
    retry_after = getattr(exc, "retry_after_s", None)
    delay = timedelta(seconds=retry_after) if retry_after else backoff(task.attempts)
    logger.info("task %s (%s) will retry in %.0fs: %s", task.uid, task.type, delay.total_seconds(), message)
    try:
        with transaction.atomic():
            _ours(task).update(
                status=Task.Status.PENDING,
                attempts=task.attempts - 1 if attempt_given_back else task.attempts,
                not_before=timezone.now() + delay,
                lease_expires_at=None,
                error=message,
                traceback=trace,
            )
    except IntegrityError:
        # An identical task was queued meanwhile; it will do this work.
        twin = Task.objects.filter(
            type=task.type, dedup_key=task.dedup_key, status=Task.Status.PENDING
        ).first()
        _finish(task, result={"merged_into": twin.uid if twin else None})


def _ours(task: Task) -> QuerySet[Task]:
    # Outcomes are written only while this claim still owns the row (not re-claimed after a lease).
    return Task.objects.filter(pk=task.pk, status=Task.Status.RUNNING, attempts=task.attempts)


def _finish(task: Task, *, result: Any = None, error: str = "", trace: str = "") -> None:
    _ours(task).update(
        status=Task.Status.FAILED if error else Task.Status.DONE,
        result=result,
        error=error,
        traceback=trace,
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    conversation_id = task.payload.get("conversation_id") if isinstance(task.payload, dict) else None
    if conversation_id:  # a chat task: its websockets show done/failed now, not at the next poll
        from chat.push import wake_now

        wake_now(str(conversation_id))


def _settle_run(task: Task) -> None:
    from orchestrator.running.runs import run_settle

    for attempt in (1, 2):
        try:
            # An entry task links itself to the run it creates while it executes: re-read then.
            run_id = task.run_id
            if run_id is None:
                run_id = Task.objects.filter(pk=task.pk).values_list("run_id", flat=True).first()
            if run_id is not None:
                run_settle(run_id)
            return
        except DatabaseError:
            if attempt == 2 or connection.in_atomic_block:
                raise  # the maintenance loop settles it later (settle_unfinished_runs)
            connection.close()  # a dropped connection: once more on a fresh one
