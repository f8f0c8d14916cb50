"""``/api/tasks/{task_id}``: the state of any queued task."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from orchestrator.api.errors import found_or_404, responses
from orchestrator.api.timestamps import iso
from orchestrator.models import Task
from orchestrator.queue.deadletter import NotRerunnable, task_rerun
from orchestrator.security.permissions import api_permission

router = Router(tags=["tasks"])


class TaskOut(Schema):
    id: str
    type: str
    status: str
    priority: int
    attempts: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    result: Any = None
    error: str | None = None


def task_out(task: Task) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": task.uid,
        "type": task.type,
        "status": task.status,
        "priority": task.priority,
        "attempts": task.attempts,
        "created_at": iso(task.created_at),
        "started_at": iso(task.started_at),
        "finished_at": iso(task.finished_at),
    }
    if task.result is not None:
        body["result"] = task.result
    if task.error:
        body["error"] = task.error
    return body


@router.get("/{task_id}", response=responses(TaskOut, 404), exclude_unset=True, summary="Task status")
@api_permission("view_activity")
def task_detail(request: HttpRequest, task_id: str) -> dict[str, Any]:
    task = found_or_404(Task.objects.filter(uid=task_id), f"Task '{task_id}'")
    return task_out(task)


@router.post(
    "/{task_id}/retry",
    response=responses(TaskOut, 404, 409),
    exclude_unset=True,
    summary="Run a failed (dead-letter) task again",
    description="Puts a failed task back in the queue with fresh attempts. When an identical task is "
    "already pending, that task is returned instead of a duplicate. 409 when the task is not failed.",
)
@api_permission("run_integration")
def task_retry(request: HttpRequest, task_id: str) -> dict[str, Any]:
    task = found_or_404(Task.objects.filter(uid=task_id), f"Task '{task_id}'")
    try:
        rerun = task_rerun(task=task)
    except NotRerunnable as exc:
        raise HttpError(409, str(exc)) from None
    return task_out(rerun)
