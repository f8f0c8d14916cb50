"""The UI's pages (GET): parse the query, call selectors, render. Form posts are in ``operations``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from orchestrator.models import Integration
from orchestrator.ui import overview, selectors
from orchestrator.ui.access import ui_view
from orchestrator.ui.chain_status import chain_status
from orchestrator.ui.pagination import page_number
from orchestrator.ui.selectors import FilterError, ItemFilters


def show(request: HttpRequest, nav: str, **context: Any) -> HttpResponse:
    """Render the page ``ui/<nav>.html``; *nav* also marks its entry in the menu."""
    return render(request, f"ui/{nav}.html", {"nav": nav, **context})


def day_asked(request: HttpRequest) -> date:
    """The local day ``?day=`` names; today, with a message saying so, when it names none."""
    try:
        return selectors.parse_day(request.GET.get("day"))
    except FilterError as exc:
        messages.error(request, f"{exc}; showing today instead.")
        return timezone.localdate()


@ui_view(permission="view_activity")
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return show(
        request,
        "dashboard",
        integrations=overview.integration_rows(),
        depth=overview.queue_depth(),
        failed=selectors.tasks_failed(1, size=10),
        failed_count=overview.failed_count(),
        approvals_count=overview.pending_approvals_count(),
        today=today,
        audit=selectors.audit_latest(today),
    )


def _item_filters(request: HttpRequest) -> ItemFilters:
    # The page's platform selector sends ``source=<integration>/<platform>``; links may name both.
    source_integration, _, source_platform = request.GET.get("source", "").partition("/")
    try:
        return ItemFilters.parse(
            integration=request.GET.get("integration") or source_integration,
            platform=request.GET.get("platform") or source_platform,
            classification=request.GET.get("classification"),
            action=request.GET.get("action"),
        )
    except FilterError as exc:
        messages.error(request, f"{exc}; showing all items instead.")
        return ItemFilters()


@ui_view(permission="view_activity")
def items(request: HttpRequest) -> HttpResponse:
    filters = _item_filters(request)
    page = selectors.items_page(filters, page_number(request.GET.get("page")))
    rows = [(item, [(a, selectors.undo_available(a)) for a in item.actions]) for item in page.rows]  # type: ignore[attr-defined]
    platforms = sorted(
        {
            (i.integration_id, p.name)
            for i in Integration.objects.prefetch_related("platforms")
            for p in i.platforms.all()
        }
    )
    return show(request, "items", page=page, rows=rows, filters=filters, platforms=platforms)


@ui_view(permission="view_activity")
def approvals(request: HttpRequest) -> HttpResponse:
    from orchestrator.actions.approvals import approvals_expire_due

    approvals_expire_due()  # expiry is recorded whenever approvals are read
    page = selectors.approvals_inbox(page_number(request.GET.get("page")))
    return show(request, "approvals", page=page)


@ui_view(permission="view_activity")
def queue(request: HttpRequest) -> HttpResponse:
    from orchestrator.models import Task

    return show(
        request,
        "queue",
        depth=overview.queue_depth(),
        running=selectors.tasks_open(Task.Status.RUNNING),
        pending=selectors.tasks_open(Task.Status.PENDING),
        failed=selectors.tasks_failed(page_number(request.GET.get("page"))),
    )


@ui_view(permission="view_activity")
def logs(request: HttpRequest) -> HttpResponse:
    day = day_asked(request)
    return show(
        request,
        "logs",
        day=day,
        previous_day=day.fromordinal(day.toordinal() - 1),
        next_day=day.fromordinal(day.toordinal() + 1),
        is_today=day >= timezone.localdate(),
        page=selectors.audit_day(day, page_number(request.GET.get("page"))),
        chain=chain_status(fresh=request.GET.get("verify") == "1"),
    )
