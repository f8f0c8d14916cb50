"""Read queries behind the UI pages and their JSON API: items, actions, approvals, tasks, runs, audit.

Filters are validated here (a bad value is a :class:`FilterError` naming what is wrong), lists are
paginated (:mod:`orchestrator.ui.pagination`), and every ordering has an index (migration
``0005_ui_indexes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Value, When
from django.utils import timezone

from integrations.base import Tier
from orchestrator.actions.intents import kind_of
from orchestrator.models import ActionRecord, Approval, AuditEntry, Item, Run, Task
from orchestrator.rules.actions import ActionKind
from orchestrator.ui.pagination import PAGE_SIZE, Page, paginate

FIRST_DAY, LAST_DAY = date(1970, 1, 2), date(9999, 12, 30)  # a day before and after stays a date
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$")
CLASSIFICATION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$")  # no "__" lookups
# The same rules as JSON-schema patterns for the API's query parameters (an empty value = no filter),
# so a value the schema allows is one the filters accept (tests/api/test_openapi_contract.py).
NAME_PATTERN = r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,199})?$"
CLASSIFICATION_PATTERN = r"^(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?:=.*)?)?$"


class FilterError(ValueError):
    """A filter value that cannot be used; the message says which and what is valid."""


def _name(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if value and not NAME.match(value):
        raise FilterError(f"{what} {value[:60]!r} is not a valid name")
    return value


@dataclass(frozen=True)
class ItemFilters:
    integration: str = ""
    platform: str = ""
    classification: str = ""  # "name" (has a value) or "name=value"
    action: str = ""

    @classmethod
    def parse(
        cls,
        *,
        integration: str | None = None,
        platform: str | None = None,
        classification: str | None = None,
        action: str | None = None,
    ) -> ItemFilters:
        raw = (classification or "").strip()
        name = raw.split("=", 1)[0]
        if raw and not CLASSIFICATION_NAME.match(name):
            raise FilterError(f"classification {raw[:60]!r} must be a classification name, or name=value")
        return cls(
            integration=_name(integration, "integration"),
            platform=_name(platform, "platform"),
            classification=raw,
            action=_name(action, "action"),
        )

    def as_query(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value}


def _classification_value(text: str) -> object:
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def items_filtered(filters: ItemFilters) -> QuerySet[Item]:
    items = Item.objects.order_by("-last_seen", "-id")
    if filters.integration:
        items = items.filter(integration_id=filters.integration)
    if filters.platform:
        items = items.filter(platform=filters.platform)
    if filters.classification:
        name, has_value, value = filters.classification.partition("=")
        if has_value:
            items = items.filter(**{f"classification__{name}": _classification_value(value)})
        else:
            items = items.filter(classification__has_key=name)
    if filters.action:
        taken = ActionRecord.objects.filter(item=OuterRef("pk"), action=filters.action)
        items = items.filter(Exists(taken))
    return items


def items_page(filters: ItemFilters, number: int, size: int = PAGE_SIZE) -> Page[Item]:
    """A page of recent items, each with its actions (newest first) prefetched."""
    actions = Prefetch("actionrecord_set", queryset=ActionRecord.objects.order_by("-id"), to_attr="actions")
    return paginate(items_filtered(filters).prefetch_related(actions), number, size)


def undo_available(record: ActionRecord) -> bool:
    """Whether the Undo button is offered: done, soft-reversible, a platform action with its item."""
    return (
        record.status == ActionRecord.Status.DONE
        and record.tier == Tier.SOFT.value
        and record.item_id is not None
        and kind_of(record.action)[0] is ActionKind.PLATFORM
    )


def actions_page(
    *, integration: str | None, status: str | None, item: int | None, number: int, size: int = PAGE_SIZE
) -> Page[ActionRecord]:
    if status and status not in ActionRecord.Status.values:
        valid = ", ".join(ActionRecord.Status.values)
        raise FilterError(f"Invalid status '{status}'. Valid statuses: {valid}")
    records = ActionRecord.objects.select_related("item").order_by("-id")
    if integration := _name(integration, "integration"):
        records = records.filter(integration_id=integration)
    if status:
        records = records.filter(status=status)
    if item is not None:
        records = records.filter(item_id=item)
    return paginate(records, number, size)


def approvals_inbox(number: int, size: int = PAGE_SIZE) -> Page[Approval]:
    """Pending approvals first (newest first), then the answered and expired ones."""
    ordered = Approval.objects.select_related("item", "action_record").annotate(
        answered=Case(
            When(status=Approval.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )
    return paginate(ordered.order_by("answered", "-id"), number, size)


def tasks_open(status: str, limit: int = PAGE_SIZE) -> list[Task]:
    """Pending tasks in claim order, or running ones (oldest first)."""
    tasks = Task.objects.filter(status=status).defer("payload", "result", "traceback")
    return list(tasks.order_by("effective_priority", "id")[:limit])


def tasks_failed(number: int, size: int = PAGE_SIZE) -> Page[Task]:
    failed = Task.objects.filter(status=Task.Status.FAILED).defer("payload", "result", "traceback")
    return paginate(failed.order_by("-finished_at", "-id"), number, size)


def runs_page(
    *, integration: str | None, platform: str | None, status: str | None, number: int, size: int = PAGE_SIZE
) -> Page[Run]:
    if status and status not in Run.Status.values:
        raise FilterError(f"Invalid status '{status}'. Valid statuses: {', '.join(Run.Status.values)}")
    runs = Run.objects.order_by("-id")
    if integration := _name(integration, "integration"):
        runs = runs.filter(integration_id=integration)
    if platform := _name(platform, "platform"):
        runs = runs.filter(platform=platform)
    if status:
        runs = runs.filter(status=status)
    return paginate(runs, number, size)


def audit_day(day: date, number: int = 1, size: int = 200) -> Page[AuditEntry]:
    """One local day of the audit log, in order."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    entries = AuditEntry.objects.filter(at__gte=start, at__lt=start + timedelta(days=1)).order_by("seq")
    return paginate(entries, number, size)


def audit_latest(day: date, limit: int = 30) -> list[AuditEntry]:
    """The newest entries of *day*, newest first (the dashboard's "today")."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    entries = AuditEntry.objects.filter(at__gte=start, at__lt=start + timedelta(days=1))
    return list(entries.order_by("-seq")[:limit])


def parse_day(raw: str | None) -> date:
    """``?day=YYYY-MM-DD``, or today (local time); a :class:`FilterError` for anything else."""
    if not raw:
        return timezone.localdate()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise FilterError(f"day {raw[:40]!r} must be a date like 2026-01-31") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FilterError(f"day {raw} must be between {FIRST_DAY} and {LAST_DAY}")
    return day
