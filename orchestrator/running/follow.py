"""Starting and following integration runs from the command line (``manage.py run_integration``).

Runs are started through :func:`integration_trigger`, the API's own code path, then either left to
the workers, followed while a worker executes them (``--wait``), or executed in this process
(``--inline``). Progress and the summary are read from the Task and Run tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from orchestrator.models import Integration, Run, Task
from orchestrator.queue.inline import OPEN_STATES, run_inline, run_scope
from orchestrator.queue.maintenance import live_workers
from orchestrator.running.triggers import TriggerError, integration_lookup, integration_trigger

EXIT_FAILED = 1
EXIT_UNKNOWN = 2
EXIT_NO_WORKER = 3
NO_WORKER_MESSAGE = "no worker running: start `manage.py supervisor` or use `--inline`"
NO_WORKER_WARNING = (
    "warning: no worker heartbeat in the last {seconds} s: the task(s) wait in the queue until "
    "`manage.py supervisor` runs (or use `--inline`)"
)
WORKER_WAIT_S = 10.0
POLL_S = 0.5
PIPELINE_CLUSTER = "default"  # the cluster that serves pipeline stages (priorities 3-9)


class RunCommandError(Exception):
    """The command cannot go on; ``exit_code`` is what ``run_integration`` exits with."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def runs_trigger(integration_id: str, platform: str | None) -> list[Task]:
    """Queue the entry tasks like ``POST /integrations/{id}[/{platform}]/run`` does."""
    try:
        return integration_trigger(integration_id, platform)
    except TriggerError as exc:
        raise RunCommandError(_explain_refusal(exc, integration_id), EXIT_UNKNOWN) from None


@dataclass(frozen=True)
class InProgress:
    """Runs of an integration that are still going: their entry tasks and what is left to do."""

    entries: list[Task]
    run_ids: list[int]
    classifying: int  # items whose classify task is still open
    open_tasks: int

    def describe(self) -> str:
        if not self.run_ids:
            return "a run is queued and waits for a worker; following it"
        runs = ", ".join(f"#{pk}" for pk in self.run_ids)
        label = "run" if len(self.run_ids) == 1 else "runs"
        doing = (
            f"still classifying {self.classifying} item{'s' if self.classifying != 1 else ''}"
            if self.classifying
            else f"still working ({self.open_tasks} task{'s' if self.open_tasks != 1 else ''} open)"
        )
        return f"{label} {runs} {'is' if len(self.run_ids) == 1 else 'are'} {doing}; following it"


def runs_in_progress(integration_id: str, platform: str | None) -> InProgress | None:
    """This integration's runs that have not finished (running, or queued and not started yet).

    ``run_integration --wait`` follows these instead of starting a run that would find nothing new
    while the first one is still classifying.
    """
    runs = Run.objects.filter(integration_id=integration_id, status=Run.Status.RUNNING)
    queued = Task.objects.filter(
        run__isnull=True, status__in=OPEN_STATES, payload__integration=integration_id
    )
    if platform:
        runs, queued = runs.filter(platform=platform), queued.filter(payload__platform=platform)
    run_ids = [pk for pk in runs.order_by("id").values_list("id", flat=True)]
    open_tasks = Task.objects.filter(run_id__in=run_ids, status__in=OPEN_STATES)
    if run_ids and not open_tasks.exists():
        run_ids = []  # a run whose tasks all ended is finishing its bookkeeping, not in progress
    entries = [
        task for pk in run_ids if (task := Task.objects.filter(run_id=pk).order_by("id").first()) is not None
    ]
    entries += list(queued.order_by("id"))
    if not entries:
        return None
    return InProgress(
        entries=entries,
        run_ids=run_ids,
        classifying=open_tasks.filter(type__endswith=".classify").count(),
        open_tasks=open_tasks.count(),
    )


def _explain_refusal(exc: TriggerError, integration_id: str) -> str:
    try:
        integration = integration_lookup(integration_id)
    except TriggerError:
        ids = [
            i.integration_id + ("" if i.enabled else " (disabled)")
            for i in Integration.objects.order_by("type", "name")
        ]
        listing = (
            "\n".join(f"  {line}" for line in ids) or "  (none: add one in the admin or with import_config)"
        )
        return f"{exc.detail}. Valid integration ids:\n{listing}"
    if exc.status == 404:  # the integration exists, so the platform is what is unknown
        platforms = ", ".join(integration.enabled_platform_names()) or "(none enabled)"
        return f"{exc.detail}. Valid platforms: {platforms}"
    return exc.detail


def worker_alive() -> bool:
    """True when the cluster that runs pipeline stages has sent a heartbeat recently."""
    return any(w.cluster == PIPELINE_CLUSTER for w in live_workers(settings.HEARTBEAT_FRESH_S))


def no_worker_warning() -> str | None:
    return None if worker_alive() else NO_WORKER_WARNING.format(seconds=settings.HEARTBEAT_FRESH_S)


@dataclass(frozen=True)
class Progress:
    finished: int
    total: int
    seen: int
    new: int
    classified: int


def progress_read(entry_pks: Sequence[int]) -> Progress:
    tasks = Task.objects.filter(run_scope(entry_pks))
    total = tasks.count()
    finished = tasks.exclude(status__in=OPEN_STATES).count()
    run_ids = Task.objects.filter(pk__in=entry_pks, run__isnull=False).values_list("run_id", flat=True)
    sums = Run.objects.filter(pk__in=list(run_ids)).aggregate(
        seen=Sum("seen"), new=Sum("new"), classified=Sum("classified")
    )
    return Progress(finished, total, sums["seen"] or 0, sums["new"] or 0, sums["classified"] or 0)


class ProgressLine:
    """A plain-text progress bar: redrawn in place on a terminal; without one (logs, CI), a new line
    per change, at most every ``log_every_s`` seconds, plus the final state."""

    def __init__(
        self, write: Callable[[str], None], *, redraw: bool, width: int = 24, log_every_s: float = 2.0
    ):
        self._write = write
        self._redraw = redraw
        self._width = width
        self._log_every_s = log_every_s
        self._last = ""
        self._last_at = -log_every_s

    def show(self, progress: Progress) -> None:
        filled = self._width * progress.finished // progress.total if progress.total else 0
        bar = "#" * filled + "-" * (self._width - filled)
        text = (
            f"[{bar}] {progress.finished}/{progress.total} tasks · seen {progress.seen} · "
            f"new {progress.new} · classified {progress.classified}"
        )
        if text == self._last:
            return
        if self._redraw:
            self._write(f"\r{text}")
        else:
            complete = progress.total > 0 and progress.finished == progress.total
            if not complete and time.monotonic() - self._last_at < self._log_every_s:
                return
            self._write(f"{text}\n")
        self._last = text
        self._last_at = time.monotonic()

    def close(self) -> None:
        if self._redraw and self._last:
            self._write("\n")


def runs_follow(entry_tasks: Sequence[Task], on_progress: Callable[[Progress], None]) -> RunReport:
    """Wait while workers execute the runs of *entry_tasks*; exit 3 when no worker is there."""
    entry_pks = [task.pk for task in entry_tasks]
    if not worker_alive() and not _worker_appears(entry_pks):
        raise RunCommandError(NO_WORKER_MESSAGE, EXIT_NO_WORKER)
    while not _settled(entry_pks):
        on_progress(progress_read(entry_pks))
        time.sleep(POLL_S)
        if not worker_alive() and not _settled(entry_pks):
            raise RunCommandError(NO_WORKER_MESSAGE, EXIT_NO_WORKER)
    on_progress(progress_read(entry_pks))
    return RunReport.read(entry_pks)


def _worker_appears(entry_pks: Sequence[int]) -> bool:
    """Give a starting supervisor a moment: a heartbeat, or one of our tasks being claimed."""
    deadline = time.monotonic() + WORKER_WAIT_S
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        if (
            worker_alive()
            or Task.objects.filter(pk__in=entry_pks).exclude(status=Task.Status.PENDING).exists()
        ):
            return True
    return False


def _settled(entry_pks: Sequence[int]) -> bool:
    return not Task.objects.filter(run_scope(entry_pks), status__in=OPEN_STATES).exists()


def runs_execute_inline(
    entry_tasks: Sequence[Task],
    on_progress: Callable[[Progress], None],
    on_wait: Callable[[str], None] | None = None,
) -> RunReport:
    """Execute the runs of *entry_tasks* in this process (no worker needed); *on_wait* hears what
    it waits for (a retry, a task another process runs or left behind)."""
    entry_pks = [task.pk for task in entry_tasks]
    on_progress(progress_read(entry_pks))
    run_inline(entry_tasks, on_step=lambda: on_progress(progress_read(entry_pks)), on_wait=on_wait)
    return RunReport.read(entry_pks)


COLUMNS = (
    "integration",
    "platform",
    "status",
    "seen",
    "new",
    "classified",
    "actions done",
    "actions blocked",
    "actions failed",
    "duration",
)


@dataclass(frozen=True)
class RunReport:
    """The outcome of the runs started by some entry tasks, as read from their Run records."""

    entries: list[Task]

    @classmethod
    def read(cls, entry_pks: Sequence[int]) -> RunReport:
        return cls(list(Task.objects.filter(pk__in=entry_pks).select_related("run").order_by("id")))

    @property
    def failures(self) -> list[str]:
        found = []
        for task in self.entries:
            if task.run is not None and task.run.status == Run.Status.FAILED:
                found.append(f"{task.run.integration_id}/{task.run.platform}: {task.run.error}")
            elif task.run is None and task.status == Task.Status.FAILED:
                found.append(f"{task.type}: {task.error}")
        return found

    def table(self) -> str:
        rows = [COLUMNS] + [self._row(task) for task in self.entries]
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
        lines = []
        for row in rows:
            cells = [
                cell.ljust(width) if i < 3 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    @staticmethod
    def _row(task: Task) -> tuple[str, ...]:
        run = task.run
        integration_id = task.payload.get("integration", "?")
        platform = task.payload.get("platform", "?")
        if run is None:
            return (integration_id, platform, str(task.status), *["-"] * 6, "-")
        end = run.finished_at or timezone.now()
        duration = f"{(end - run.started_at).total_seconds():.1f}s"
        counters = (
            run.seen,
            run.new,
            run.classified,
            run.actions_done,
            run.actions_blocked,
            run.actions_failed,
        )
        return (integration_id, platform, str(run.status), *(str(c) for c in counters), duration)
