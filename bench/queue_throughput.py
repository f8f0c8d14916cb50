"""Queue benchmark (docs/BENCHMARKS.md): enqueue rate, drain rate and priority latency through real workers.

    .venv/bin/python bench/queue_throughput.py [--postgres] [--runs 5] [--tasks 1000] [--enqueue-only]

Runs against a fresh database (a temporary SQLite file, or with ``--postgres`` a temporary database
on 127.0.0.1:5432) and real ``manage.py qcluster`` processes with the production cluster settings.
Prints a markdown table of medians.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/test"
WAITING_BACKGROUND_TASKS = 500
TIMEOUT_S = 300


def unshadow_stdlib_queue() -> None:
    """Run as a script, this file's folder heads sys.path, where a bench script could shadow a
    standard-library module: put the project root there instead."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [str(REPO_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != here]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="benchmark PostgreSQL instead of SQLite")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median reported)")
    parser.add_argument("--tasks", type=int, default=1000, help="tasks per enqueue/drain run")
    parser.add_argument(
        "--enqueue-only", action="store_true", help="measure the enqueue rate only (no clusters started)"
    )
    return parser.parse_args()


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"steward_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_SERVER.replace("postgres://", "postgresql://"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(
            POSTGRES_SERVER.replace("postgres://", "postgresql://"), autocommit=True
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def configure(data_dir: Path, database_url: str | None) -> None:
    """Point this process (and the clusters it starts) at the benchmark database, then set Django up."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "orchestrator.settings",
            "STEWARD_DATA_DIR": str(data_dir),
            "STEWARD_LOG_LEVEL": "WARNING",
            "STEWARD_TIME_ZONE": "UTC",
        }
    )
    for name in ("DATABASE_URL", "REDIS_URL", "Q_CLUSTER_NAME", "STEWARD_PLUGINS"):
        os.environ.pop(name, None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django
    from django.core.management import call_command

    from orchestrator.data_dir import data_dir_prepare

    data_dir_prepare(data_dir)  # keys before the settings read them (as manage.py does)
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def start_cluster(name: str, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if name != "default":
        env["Q_CLUSTER_NAME"] = name
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_cluster(process: subprocess.Popen[bytes]) -> None:
    from orchestrator.supervision import kill_session

    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)  # the PID only: a group signal hangs Django-Q2
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    kill_session(process.pid)
    process.wait(timeout=10)


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def cluster_polling(name: str, since: float) -> bool:
    from datetime import UTC, datetime

    from orchestrator.models import WorkerHeartbeat

    return WorkerHeartbeat.objects.filter(
        cluster=name, last_seen__gte=datetime.fromtimestamp(since, UTC)
    ).exists()


def queue_empty() -> bool:
    from orchestrator.models import Task

    return not Task.objects.filter(status__in=["pending", "running"]).exists()


def enqueue_many(count: int, tag: str, priority: int = 5) -> float:
    """Enqueue *count* noop tasks in one transaction; returns the wall time of the commit."""
    from django.db import transaction

    from orchestrator.queue import enqueue

    with transaction.atomic():
        for n in range(count):
            enqueue("noop", {"echo": f"{tag}-{n}"}, priority=priority)
    return time.time()


def measure_enqueue_rate(tasks: int, run: int) -> float:
    """Tasks per second through enqueue(), each in its own transaction (as producers call it)."""
    from orchestrator.models import Task
    from orchestrator.queue import enqueue

    Task.objects.all().delete()
    started = time.perf_counter()
    for n in range(tasks):
        enqueue("noop", {"echo": f"enqueue-{run}-{n}"})
    rate = tasks / (time.perf_counter() - started)
    Task.objects.all().delete()
    return rate


def measure_drain_rate(tasks: int, run: int) -> float:
    """Tasks per second from the commit of *tasks* pending noops to the last one finished."""
    from django.db.models import Max

    from orchestrator.models import Task

    committed = enqueue_many(tasks, f"drain-{run}")
    wait_for(queue_empty, "the drain")
    last = Task.objects.aggregate(last=Max("finished_at"))["last"]
    Task.objects.all().delete()
    return tasks / (last.timestamp() - committed)


def measure_priority_latency(run: int) -> float:
    """Seconds from enqueueing a priority-1 task to its start while 500 priority-6 tasks wait."""
    from orchestrator.models import Task
    from orchestrator.queue import enqueue

    enqueue_many(WAITING_BACKGROUND_TASKS, f"background-{run}", priority=6)
    urgent = enqueue("noop", {"echo": f"urgent-{run}"}, priority=1)
    wait_for(lambda: Task.objects.filter(pk=urgent.pk, status="done").exists(), "the priority-1 task")
    urgent.refresh_from_db()
    waiting = Task.objects.filter(priority=6, status="pending").count()
    if waiting < WAITING_BACKGROUND_TASKS // 2:
        print(f"  note: only {waiting} background tasks were still waiting", file=sys.stderr)
    wait_for(queue_empty, "the background tasks")
    Task.objects.all().delete()
    return (urgent.started_at - urgent.created_at).total_seconds()


def run_benchmarks(args: argparse.Namespace, data_dir: Path) -> list[tuple[str, list[float], str]]:
    enqueue_rates = [measure_enqueue_rate(args.tasks, run) for run in range(args.runs)]
    enqueue_row = (
        "enqueue rate (tasks/s, one transaction per task)",
        enqueue_rates,
        "≥ 1284 (the reference)",
    )
    if args.enqueue_only:
        return [enqueue_row]
    clusters = []
    try:
        for name in ("default",):  # one cluster: its reserved worker serves priorities 1–2
            since = time.time()
            clusters.append(start_cluster(name, data_dir / f"qcluster-{name}.log"))
            wait_for(lambda name=name, since=since: cluster_polling(name, since), f"the {name} cluster")
        drain_rates = [measure_drain_rate(args.tasks, run) for run in range(args.runs)]
        latencies = [measure_priority_latency(run) * 1000 for run in range(args.runs)]
    finally:
        for process in clusters:
            stop_cluster(process)
    return [
        enqueue_row,
        ("drain rate of noop tasks, the cluster (tasks/s)", drain_rates, ""),
        (
            f"priority-1 enqueue → start, {WAITING_BACKGROUND_TASKS} priority-6 waiting (ms)",
            latencies,
            "< 1000",
        ),
    ]


def markdown(rows: list[tuple[str, list[float], str]], backend: str, args: argparse.Namespace) -> str:
    lines = [
        f"Backend: {backend}; {args.runs} runs, {args.tasks} tasks per enqueue/drain run; medians.",
        "",
        "| measurement | median | min | max | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, values, target in rows:
        lines.append(
            f"| {name} | {statistics.median(values):.0f} | {min(values):.0f} | {max(values):.0f} | {target} |"
        )
    return "\n".join(lines)


def main() -> None:
    unshadow_stdlib_queue()
    args = parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="steward-bench-"))
    try:
        if args.postgres:
            with postgres_database() as url:
                configure(data_dir, url)
                rows = run_benchmarks(args, data_dir)
                from django.db import connections

                connections.close_all()
        else:
            configure(data_dir, None)
            rows = run_benchmarks(args, data_dir)
        print(markdown(rows, "PostgreSQL 15" if args.postgres else "SQLite (WAL, file)", args))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
