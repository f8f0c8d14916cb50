"""The UI's buttons (POST, CSRF-checked): Run now, Approve/Reject, Undo, Retry.

Each calls the same service as its API route, reports the outcome as a message and redirects back
(post/redirect/get, :func:`goes_back`), so a reload never repeats an action. A second click or a
stale page meets the service's own refusal (already answered, already undone, not failed) as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from orchestrator.actions.approvals import ApprovalError, approval_decide, approval_fail
from orchestrator.actions.undo import UndoError, action_undo
from orchestrator.models import ActionRecord, Approval, Task
from orchestrator.queue.deadletter import NotRerunnable, task_rerun
from orchestrator.running.triggers import TriggerError, integration_trigger
from orchestrator.security.permissions import PermissionRefused, require_approval_answer
from orchestrator.ui.access import View, ui_view
from orchestrator.ui.live import wake

M = TypeVar("M", bound=Model)
Button = Callable[..., None]


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (``next``), only ever a path under /ui/."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/ui/")
    return HttpResponseRedirect(target if safe else default)


class Flash(Exception):
    """Ends a button's view early: *text* is shown, at *level*, on the page it goes back to."""

    def __init__(self, text: str, level: int = messages.ERROR):
        super().__init__(text)
        self.text, self.level = text, level


def goes_back(default: str) -> Callable[[Button], View]:
    """A button's view reports its outcome as messages and returns nothing; the answer is always a
    redirect back (:func:`back`), and a :class:`Flash` it raises is the outcome shown there."""

    def decorate(button: Button) -> View:
        @wraps(button)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                button(request, *args, **kwargs)
            except Flash as flash:
                messages.add_message(request, flash.level, flash.text)
            return back(request, default)

        return view

    return decorate


def _found(rows: QuerySet[M], what: str) -> M:
    """The row a button names, or a :class:`Flash` saying it is gone (a stale page)."""
    row = rows.first()
    if row is None:
        raise Flash(f"{what} does not exist (any more).")
    return row


@ui_view(permission="run_integration", post=True)
@goes_back("/ui/")
def run_now(request: HttpRequest, integration_id: str, platform: str | None = None) -> None:
    asked = timezone.now()
    try:
        tasks = integration_trigger(integration_id, platform)
    except TriggerError as exc:
        raise Flash(exc.detail) from None
    wake()
    for task in tasks:
        where = task.payload.get("platform", "")
        if task.created_at < asked:  # dedup handed back the pending entry task
            messages.info(request, f"{integration_id}/{where} is already queued (task {task.uid[:8]}).")
        else:
            messages.success(request, f"Queued a run of {integration_id}/{where} (task {task.uid[:8]}).")


@ui_view(permission="answer_approval", post=True)
@goes_back("/ui/approvals/")
def approval_answer(request: HttpRequest, approval_id: int) -> None:
    approval = _found(Approval.objects.filter(pk=approval_id), f"Approval {approval_id}")
    option = request.POST.get("option", "")
    try:
        require_approval_answer(request.user, action=approval.action, option=option)
    except PermissionRefused as exc:
        raise Flash(exc.detail) from None
    try:
        decision = approval_decide(approval=approval, option=option)
    except ApprovalError as exc:
        if exc.status == 409:
            raise Flash(f"Already answered: {exc.detail}. Nothing was run.", messages.WARNING) from None
        raise Flash(exc.detail) from None
    except ValueError as exc:  # the service or script changed since the approval was asked for
        approval_fail(approval=approval, error=str(exc))
        raise Flash(f"Approval {approval_id} cannot run: {exc}") from None
    wake()
    if decision.task is not None:
        messages.success(
            request, f"Approved #{approval_id}: {approval.action} is queued (task {decision.task.uid[:8]})."
        )
    else:
        messages.success(request, f"Rejected #{approval_id}: {approval.action} will not run.")


@ui_view(permission="undo_action", post=True)
@goes_back("/ui/items/")
def undo(request: HttpRequest, action_id: int) -> None:
    record = _found(ActionRecord.objects.select_related("item").filter(pk=action_id), f"Action {action_id}")
    try:
        action_undo(record=record)
    except UndoError as exc:
        raise Flash(exc.detail, messages.WARNING if exc.status == 409 else messages.ERROR) from None
    wake()
    messages.success(request, f"Undid {record.action} on {record.item.key if record.item else 'its item'}.")


@ui_view(permission="run_integration", post=True)
@goes_back("/ui/queue/")
def retry(request: HttpRequest, task_uid: str) -> None:
    task = _found(Task.objects.filter(uid=task_uid), f"Task {task_uid[:8]}")
    try:
        rerun = task_rerun(task=task)
    except NotRerunnable as exc:
        raise Flash(f"{exc}. Nothing was queued.", messages.WARNING) from None
    wake()
    if rerun.pk != task.pk:
        messages.info(request, f"An identical task is already pending (task {rerun.uid[:8]}).")
    else:
        messages.success(request, f"Task {task.uid[:8]} ({task.type}) is queued again.")
