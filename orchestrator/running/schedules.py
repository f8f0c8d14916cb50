"""Integration schedules: parsing ``every``/``cron`` and keeping Django-Q2 schedules in step.

Each enabled integration with a schedule owns exactly one Django-Q2 ``Schedule`` per enabled platform,
named ``steward:<integration id>:<platform>``. :func:`schedules_sync` is idempotent: it creates,
updates and deletes rows so the set matches the configuration, and is called on every save/delete
and at supervisor start.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from croniter import croniter
from django.db import transaction
from django.utils import timezone

from orchestrator.durations import parse_duration
from orchestrator.running.triggers import SCHEDULED_TRIGGER

if TYPE_CHECKING:
    from orchestrator.models import Integration

SCHEDULE_PREFIX = "steward:"
MIN_INTERVAL = timedelta(minutes=1)


def parse_every(text: str) -> timedelta:
    """The ``every:`` interval; errors start with ``every:`` so they name the field wherever shown."""
    try:
        interval = parse_duration(text)
    except ValueError as exc:
        raise ValueError(f"every: {exc}") from None
    if interval < MIN_INTERVAL:
        raise ValueError(f"every: {text!r} is shorter than the minimum of 1m")
    if interval.total_seconds() % 60:
        raise ValueError(f"every: {text!r} must be a whole number of minutes (e.g. 30m, 2h, 1d)")
    return interval


def check_cron(expression: str) -> str:
    fields = expression.split()
    if len(fields) != 5 or not croniter.is_valid(expression):
        raise ValueError(
            f"cron: {expression!r} is not a 5-field cron expression "
            "(minute hour day-of-month month day-of-week, e.g. '0 8-18 * * 1-5')"
        )
    return " ".join(fields)


def schedule_name(integration_id: str, platform: str) -> str:
    return f"{SCHEDULE_PREFIX}{integration_id}:{platform}"


def _wanted(integration: Integration) -> dict[str, dict[str, object]]:
    if not integration.enabled or not (integration.schedule_every or integration.schedule_cron):
        return {}
    from django_q.models import Schedule

    wanted: dict[str, dict[str, object]] = {}
    for platform in integration.enabled_platform_names():
        fields: dict[str, object] = {
            "func": SCHEDULED_TRIGGER,
            "args": repr((integration.integration_id, platform)),
            "cluster": "default",
            "repeats": -1,
        }
        if integration.schedule_cron:
            fields |= {"schedule_type": Schedule.CRON, "cron": integration.schedule_cron, "minutes": None}
        else:
            minutes = int(parse_every(integration.schedule_every).total_seconds() // 60)
            fields |= {"schedule_type": Schedule.MINUTES, "minutes": minutes, "cron": None}
        wanted[schedule_name(integration.integration_id, platform)] = fields
    return wanted


def _first_run(fields: dict[str, object]) -> object:
    now = timezone.localtime()
    if fields["cron"]:
        return croniter(str(fields["cron"]), now).get_next(type(now))
    return now + timedelta(minutes=int(str(fields["minutes"])))


def schedules_sync(integration: Integration, *, deleted: bool = False) -> None:
    """Make the Django-Q2 schedules of *integration* match its configuration."""
    from django_q.models import Schedule

    prefix = schedule_name(integration.integration_id, "")
    wanted = {} if deleted else _wanted(integration)
    with transaction.atomic():
        existing = {s.name: s for s in Schedule.objects.filter(name__startswith=prefix)}
        for name, schedule in existing.items():
            if name not in wanted:
                schedule.delete()
        for name, fields in wanted.items():
            schedule = existing.get(name)
            if schedule is None:
                Schedule.objects.create(name=name, next_run=_first_run(fields), **fields)
                continue
            changed = any(getattr(schedule, key) != value for key, value in fields.items())
            if changed:  # a changed cron/interval recomputes next_run
                for key, value in fields.items():
                    setattr(schedule, key, value)
                schedule.next_run = _first_run(fields)
                schedule.save()


def schedules_sync_all() -> None:
    """Resync every integration and remove schedules whose integration is gone (supervisor start)."""
    from django_q.models import Schedule

    from orchestrator.models import Integration

    known = set()
    for integration in Integration.objects.prefetch_related("platforms"):
        schedules_sync(integration)
        known.add(schedule_name(integration.integration_id, ""))
    for schedule in Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX):
        if not any(schedule.name.startswith(prefix) for prefix in known):
            schedule.delete()
