"""``/ui/egress/``: what left this machine, per day and destination (docs/UI.md)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from orchestrator.egress import selectors
from orchestrator.ui.access import ui_view
from orchestrator.ui.pagination import page_number
from orchestrator.ui.views import day_asked, show


@ui_view(permission="view_activity")
def egress(request: HttpRequest) -> HttpResponse:
    day = day_asked(request)
    destination = (request.GET.get("destination") or "")[:255]
    page = selectors.egress_page(
        day=day, destination=destination or None, number=page_number(request.GET.get("page"))
    )
    query = urlencode({"day": day.isoformat(), **({"destination": destination} if destination else {})})
    return show(
        request,
        "egress",
        day=day,
        destination=destination,
        destinations=selectors.destinations_on(day),
        page=page,
        query=query,
        embedded=selectors.embedded_profiles(),
    )
