"""Reading the egress ledger: per-day, per-destination totals and the rows themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from orchestrator.models import EgressRecord, LLMProfile
from orchestrator.ui.pagination import Page, paginate
from orchestrator.ui.selectors import FIRST_DAY, LAST_DAY


@dataclass(frozen=True)
class DestinationDay:
    """What went to one destination on one day."""

    destination: str
    local: bool
    requests: int
    bytes_sent: int
    bytes_received: int
    purposes: str


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return start, start + timedelta(days=1)


def egress_rows(*, day: date | None = None, destination: str | None = None) -> QuerySet[EgressRecord]:
    rows = EgressRecord.objects.select_related("item").order_by("-id")
    if day is not None:
        if not FIRST_DAY <= day <= LAST_DAY:  # nothing was recorded then (and day + 1 may not exist)
            return rows.none()
        start, end = _day_bounds(day)
        rows = rows.filter(created_at__gte=start, created_at__lt=end)
    if destination:
        rows = rows.filter(destination=destination)
    return rows


def egress_page(
    *, day: date | None, destination: str | None, number: int, size: int = 50
) -> Page[EgressRecord]:
    return paginate(egress_rows(day=day, destination=destination), number, size)


def destinations_on(day: date) -> list[DestinationDay]:
    """Totals per destination for *day*, the most requests first."""
    grouped = (
        egress_rows(day=day)
        .order_by()
        .values("destination", "local")
        .annotate(requests=Count("id"), sent=Sum("bytes_sent"), received=Sum("bytes_received"))
        .order_by("-requests", "destination")
    )
    result = []
    for row in grouped:
        purposes = (
            egress_rows(day=day, destination=row["destination"])
            .order_by()
            .values_list("purpose", flat=True)
            .distinct()
        )
        result.append(
            DestinationDay(
                row["destination"],
                row["local"],
                row["requests"],
                row["sent"] or 0,
                row["received"] or 0,
                ", ".join(sorted(purposes)),
            )
        )
    return result


def embedded_profiles() -> list[str]:
    """Profiles whose prompts never leave the process (nothing of theirs is ever recorded)."""
    return list(LLMProfile.objects.filter(backend=LLMProfile.Backend.EMBEDDED).values_list("name", flat=True))
