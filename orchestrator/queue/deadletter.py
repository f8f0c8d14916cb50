"""Failed tasks stay visible (the dead letter) and can be run again by a person."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from orchestrator.models import Task


class NotRerunnable(ValueError):
    pass


def task_rerun(*, task: Task) -> Task:
    """Put a failed task back in the queue with fresh attempts; returns the task that will run.

    When an identical task is already pending, that one is returned instead of a duplicate.
    """
    if task.status != Task.Status.FAILED:
        raise NotRerunnable(f"Task {task.uid} is {task.status}; only failed tasks can be re-run")
    try:
        with transaction.atomic():
            Task.objects.filter(pk=task.pk).update(
                status=Task.Status.PENDING,
                attempts=0,
                not_before=None,
                lease_expires_at=None,
                started_at=None,
                finished_at=None,
                error="",
                traceback="",
                result=None,
            )
    except IntegrityError:
        return Task.objects.get(type=task.type, dedup_key=task.dedup_key, status=Task.Status.PENDING)
    task.refresh_from_db()
    return task
