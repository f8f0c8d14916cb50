"""What the dashboard and its live socket show: platforms with their runs, queue depth, counts.

Every query here is bounded by the configuration (a few platforms) or by an index, so the
dashboard stays fast with a large task history (docs/BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count

from integrations import registry
from orchestrator.models import Approval, Integration, Run, Task
from orchestrator.running.schedules import SCHEDULE_PREFIX, schedule_name

OPEN = (Task.Status.PENDING, Task.Status.RUNNING)
PRIORITIES = range(1, 10)


@dataclass
class PlatformRow:
    integration: Integration
    platform: str
    enabled: bool
    schedule: str
    next_run: datetime | None
    last_run: Run | None
    open_tasks: int = 0

    @property
    def key(self) -> str:
        return f"{self.integration.integration_id}/{self.platform}"


@dataclass
class IntegrationRow:
    integration: Integration
    installed: bool
    platforms: list[PlatformRow] = field(default_factory=list)


def _schedule_text(integration: Integration) -> str:
    if integration.schedule_cron:
        return f"cron {integration.schedule_cron}"
    if integration.schedule_every:
        return f"every {integration.schedule_every}"
    return "manual only"


def _next_runs() -> dict[str, datetime | None]:
    from django_q.models import Schedule

    found = Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).values_list("name", "next_run")
    return dict(found)


def integration_rows() -> list[IntegrationRow]:
    """Each integration with its configured platforms, schedule, next and last run."""
    next_runs = _next_runs()
    rows = []
    for integration in Integration.objects.prefetch_related("platforms"):
        installed = integration.type in registry.type_names()
        declared = integration.spec.platforms if installed else {}
        row = IntegrationRow(integration, installed)
        for config in integration.platforms.all():
            if config.name not in declared:
                continue
            last = (
                Run.objects.filter(integration_id=integration.integration_id, platform=config.name)
                .order_by("-id")
                .first()
            )
            platform = PlatformRow(
                integration=integration,
                platform=config.name,
                enabled=integration.enabled and config.enabled,
                schedule=_schedule_text(integration),
                next_run=next_runs.get(schedule_name(integration.integration_id, config.name)),
                last_run=last,
            )
            if last is not None and last.status == Run.Status.RUNNING:
                platform.open_tasks = Task.objects.filter(run=last, status__in=OPEN).count()
            row.platforms.append(platform)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Depth:
    priority: int
    pending: int
    running: int


def queue_depth() -> list[Depth]:
    """Pending and running tasks per priority 1–9 (one grouped query over open tasks only)."""
    counts: dict[tuple[int, str], int] = {}
    grouped = Task.objects.filter(status__in=OPEN).values("priority", "status").annotate(n=Count("id"))
    for row in grouped.order_by():
        counts[(row["priority"], row["status"])] = row["n"]
    return [
        Depth(p, counts.get((p, Task.Status.PENDING), 0), counts.get((p, Task.Status.RUNNING), 0))
        for p in PRIORITIES
    ]


def failed_count() -> int:
    return Task.objects.filter(status=Task.Status.FAILED).count()


def pending_approvals_count() -> int:
    return Approval.objects.filter(status=Approval.Status.PENDING).count()


def run_out(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"id": run.pk, "status": run.status, **{name: getattr(run, name) for name in Run.COUNTERS}}


def pulse() -> dict[str, Any]:
    """The small state the live socket pushes whenever it changes (see orchestrator.ui.live)."""
    platforms = {}
    for row in integration_rows():
        for platform in row.platforms:
            platforms[platform.key] = {"run": run_out(platform.last_run), "open_tasks": platform.open_tasks}
    last_done = (
        Task.objects.filter(status=Task.Status.DONE).order_by("-finished_at").values_list("id", flat=True)[:1]
    )
    return {
        "platforms": platforms,
        "queue": {str(d.priority): [d.pending, d.running] for d in queue_depth()},
        "failed": failed_count(),
        "approvals": pending_approvals_count(),
        "last_finished": next(iter(last_done), None),
    }
