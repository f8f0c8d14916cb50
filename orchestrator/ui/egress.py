"""``/ui/egress/``: what left this machine, per day and destination (docs/UI.md)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from orchestrator.egress import selectors
from orchestrator.ui.access import ui_view
from orchestrator.ui.pagination import page_number
from orchestrator.ui.selectors import FilterError, parse_day


@ui_view(permission="view_activity")
def egress(request: HttpRequest) -> HttpResponse:
    try:
        day = parse_day(request.GET.get("day"))
    except FilterError as exc:
        messages.error(request, f"{exc}; showing today instead.")
        day = timezone.localdate()
    destination = (request.GET.get("destination") or "")[:255]
    page = selectors.egress_page(
        day=day, destination=destination or None, number=page_number(request.GET.get("page"))
    )
    query = urlencode({"day": day.isoformat(), **({"destination": destination} if destination else {})})
    return render(
        request,
        "ui/egress.html",
        {
            "nav": "egress",
            "day": day,
            "destination": destination,
            "destinations": selectors.destinations_on(day),
            "page": page,
            "query": query,
            "embedded": selectors.embedded_profiles(),
        },
    )
