"""The UI's buttons (POST, CSRF-checked): Run now, Approve/Reject, Undo, Retry.

Each calls the same service as its API route, reports the outcome as a message and redirects
back (post/redirect/get), so a reload never repeats an action. A second click or a stale page
meets the service's own refusal (already answered, already undone, not failed) as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from orchestrator.actions.approvals import ApprovalError, approval_decide, approval_fail
from orchestrator.actions.undo import UndoError, action_undo
from orchestrator.models import ActionRecord, Approval, Task
from orchestrator.queue.deadletter import NotRerunnable, task_rerun
from orchestrator.running.triggers import TriggerError, integration_trigger
from orchestrator.security.permissions import PermissionRefused, require_approval_answer
from orchestrator.ui.access import ui_view
from orchestrator.ui.live import wake


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (``next``), only ever a path under /ui/."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/ui/")
    return HttpResponseRedirect(target if safe else default)


@ui_view(permission="run_integration", post=True)
def run_now(request: HttpRequest, integration_id: str, platform: str | None = None) -> HttpResponse:
    asked = timezone.now()
    try:
        tasks = integration_trigger(integration_id, platform)
    except TriggerError as exc:
        messages.error(request, exc.detail)
        return back(request, "/ui/")
    wake()
    for task in tasks:
        where = task.payload.get("platform", "")
        if task.created_at < asked:  # dedup handed back the pending entry task
            messages.info(request, f"{integration_id}/{where} is already queued (task {task.uid[:8]}).")
        else:
            messages.success(request, f"Queued a run of {integration_id}/{where} (task {task.uid[:8]}).")
    return back(request, "/ui/")


@ui_view(permission="answer_approval", post=True)
def approval_answer(request: HttpRequest, approval_id: int) -> HttpResponse:
    approval = Approval.objects.filter(pk=approval_id).first()
    if approval is None:
        messages.error(request, f"Approval {approval_id} does not exist (any more).")
        return back(request, "/ui/approvals/")
    option = request.POST.get("option", "")
    try:
        require_approval_answer(request.user, action=approval.action, option=option)
    except PermissionRefused as exc:
        messages.error(request, exc.detail)
        return back(request, "/ui/approvals/")
    try:
        decision = approval_decide(approval=approval, option=option)
    except ApprovalError as exc:
        if exc.status == 409:
            messages.warning(request, f"Already answered: {exc.detail}. Nothing was run.")
        else:
            messages.error(request, exc.detail)
        return back(request, "/ui/approvals/")
    except ValueError as exc:  # the service or script changed since the approval was asked for
        approval_fail(approval=approval, error=str(exc))
        messages.error(request, f"Approval {approval_id} cannot run: {exc}")
        return back(request, "/ui/approvals/")
    wake()
    if decision.task is not None:
        messages.success(
            request, f"Approved #{approval_id}: {approval.action} is queued (task {decision.task.uid[:8]})."
        )
    else:
        messages.success(request, f"Rejected #{approval_id}: {approval.action} will not run.")
    return back(request, "/ui/approvals/")


@ui_view(permission="undo_action", post=True)
def undo(request: HttpRequest, action_id: int) -> HttpResponse:
    record = ActionRecord.objects.select_related("item").filter(pk=action_id).first()
    if record is None:
        messages.error(request, f"Action {action_id} does not exist (any more).")
        return back(request, "/ui/items/")
    try:
        action_undo(record=record)
    except UndoError as exc:
        (messages.warning if exc.status == 409 else messages.error)(request, exc.detail)
        return back(request, "/ui/items/")
    wake()
    messages.success(request, f"Undid {record.action} on {record.item.key if record.item else 'its item'}.")
    return back(request, "/ui/items/")


@ui_view(permission="run_integration", post=True)
def retry(request: HttpRequest, task_uid: str) -> HttpResponse:
    task = Task.objects.filter(uid=task_uid).first()
    if task is None:
        messages.error(request, f"Task {task_uid[:8]} does not exist (any more).")
        return back(request, "/ui/queue/")
    try:
        rerun = task_rerun(task=task)
    except NotRerunnable as exc:
        messages.warning(request, f"{exc}. Nothing was queued.")
        return back(request, "/ui/queue/")
    wake()
    if rerun.pk != task.pk:
        messages.info(request, f"An identical task is already pending (task {rerun.uid[:8]}).")
    else:
        messages.success(request, f"Task {task.uid[:8]} ({task.type}) is queued again.")
    return back(request, "/ui/queue/")
