"""Admin for the queue: tasks (read-only, failed ones re-runnable), workers, queue settings and policies."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from orchestrator.admin.concurrency import VersionedAdmin
from orchestrator.admin.readonly import ReadOnlyAdmin, preformatted_view
from orchestrator.admin.singletons import SingletonAdmin
from orchestrator.models import QueuePolicy, QueueSettings, Task, WorkerHeartbeat
from orchestrator.queue.deadletter import NotRerunnable, task_rerun


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin[Task]):
    list_display = ("short_uid", "type", "status", "priority", "attempts", "created_at", "finished_at")
    list_filter = ("status", "type", "priority")
    search_fields = ("uid", "type")
    actions = ["rerun_failed"]
    readonly_fields = ("payload_view", "result_view", "error_view", "traceback_view")
    fieldsets = (
        (None, {"fields": ("uid", "type", "status", "priority", "effective_priority", "run")}),
        (
            "Attempts",
            {"fields": ("attempts", "max_attempts", "not_before", "lease_expires_at", "claimed_by")},
        ),
        ("Times", {"fields": ("created_at", "started_at", "finished_at")}),
        ("Payload and outcome", {"fields": ("payload_view", "result_view", "error_view", "traceback_view")}),
    )

    @admin.display(description="id", ordering="uid")
    def short_uid(self, obj: Task) -> str:
        return obj.uid[:12]

    payload_view = preformatted_view("payload")
    result_view = preformatted_view("result")

    error_view = preformatted_view("error")
    traceback_view = preformatted_view("traceback")

    def has_rerun_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orchestrator.change_task")

    @admin.action(description="Re-run failed tasks", permissions=["rerun"])
    def rerun_failed(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        rerun = 0
        for task in queryset.filter(status=Task.Status.FAILED):
            try:
                task_rerun(task=task)
            except NotRerunnable:  # picked up by someone else since the page was drawn
                continue
            rerun += 1
        skipped = queryset.count() - rerun
        messages.success(request, f"Queued {rerun} failed task(s) again.")
        if skipped:
            messages.warning(request, f"Skipped {skipped} task(s) that had not failed.")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin[WorkerHeartbeat]):
    list_display = ("cluster", "host", "pid", "last_seen")
    list_filter = ("cluster",)


@admin.register(QueueSettings)
class QueueSettingsAdmin(SingletonAdmin):
    fields = ("retention", "deduplicate_pending", "rate_limit_max", "rate_limit_per")


@admin.register(QueuePolicy)
class QueuePolicyAdmin(VersionedAdmin[QueuePolicy]):
    list_display = ("task_type", "deduplicate_pending", "rate_limit_max", "rate_limit_per")
    search_fields = ("task_type",)
