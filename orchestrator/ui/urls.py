"""Page URLs of the operator UI, mounted under ``/ui/`` (the chat page is the chat app's)."""

from __future__ import annotations

from django.urls import path, register_converter

from orchestrator.ui import converters, egress, operations, shadow, views

register_converter(converters.DigitsConverter, "digits")
register_converter(converters.TaskUidConverter, "task_uid")
register_converter(converters.IntegrationIdConverter, "integration_id")
register_converter(converters.PlatformConverter, "platform")

urlpatterns = [
    path("", views.dashboard, name="ui-dashboard"),
    path("items/", views.items, name="ui-items"),
    path("approvals/", views.approvals, name="ui-approvals"),
    path("queue/", views.queue, name="ui-queue"),
    path("logs/", views.logs, name="ui-logs"),
    path("egress/", egress.egress, name="ui-egress"),
    path("shadow/", shadow.shadow_page, name="ui-shadow"),
    path(
        "shadow/platform/<digits:config_id>/promote/",
        shadow.shadow_promote_platform_view,
        name="ui-shadow-promote-platform",
    ),
    path(
        "shadow/<digits:config_id>/<digits:index>/promote/",
        shadow.shadow_promote_view,
        name="ui-shadow-promote",
    ),
    path("run/<integration_id:integration_id>/", operations.run_now, name="ui-run"),
    path(
        "run/<integration_id:integration_id>/<platform:platform>/", operations.run_now, name="ui-run-platform"
    ),
    path("approvals/<digits:approval_id>/", operations.approval_answer, name="ui-approval-answer"),
    path("actions/<digits:action_id>/undo/", operations.undo, name="ui-undo"),
    path("tasks/<task_uid:task_uid>/retry/", operations.retry, name="ui-retry"),
]
