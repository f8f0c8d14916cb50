"""Run bookkeeping: counters that stages add to, and settling a run when its last task ends."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from orchestrator.models import Run, Task


def run_count(run_id: int | None, **increments: int) -> None:
    """Atomically add to a run's counters (``seen=3, new=1``); unknown names are a bug."""
    if run_id is None or not increments:
        return
    unknown = set(increments) - set(Run.COUNTERS)
    if unknown:
        raise ValueError(f"unknown run counters: {sorted(unknown)}")
    Run.objects.filter(pk=run_id).update(**{name: F(name) + value for name, value in increments.items()})


def run_settle(run_id: int) -> Run | None:
    """Mark the run finished once none of its tasks is pending or running."""
    open_states = [Task.Status.PENDING, Task.Status.RUNNING]
    if Task.objects.filter(run_id=run_id, status__in=open_states).exists():
        return None
    failed = Task.objects.filter(run_id=run_id, status=Task.Status.FAILED).order_by("id").first()
    status = Run.Status.FAILED if failed else Run.Status.DONE
    Run.objects.filter(pk=run_id, finished_at__isnull=True).update(
        status=status,
        finished_at=timezone.now(),
        error=f"{failed.type}: {failed.error}" if failed else "",
    )
    return Run.objects.filter(pk=run_id).first()
