"""Operator UI benchmark: server time of every page and UI API route with a large history.

    .venv/bin/python bench/ui_pages.py [--items 10000] [--tasks 100000] [--repeat 30]
                                       [--postgres postgres://postgres@127.0.0.1:5432] [--no-write]

Seeds a fresh file SQLite database (in a temporary data dir) — or, with ``--postgres``, a scratch
database ``steward_ui_bench`` created on that server and dropped afterwards — with ``--items`` items of
``dummy.one`` (snapshot, classification, one ledger row each), ``--tasks`` tasks (mostly done,
some failed and pending), runs, approvals and a day of hash-chained audit entries, then renders
each page ``--repeat`` times in this process through Django's full request path (middleware,
views, templates; no network) and reports the median and p95. The logs page is measured warm
(its chain verdict cached, as the page reuses it while the chain's head is unchanged) and cold
(``?verify=1``: the whole chain walked). Writes ``## UI pages`` (SQLite) or ``## UI pages on
PostgreSQL`` into docs/BENCHMARKS.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench")]

from bench._django import scratch_environment  # noqa: E402
from bench._results import argument_parser, percentile, publish  # noqa: E402

SECTION = "## UI pages"
PG_SECTION = "## UI pages on PostgreSQL"
PG_DATABASE = "steward_ui_bench"
PAGES = [
    "/ui/",
    "/ui/items/",
    "/ui/items/?integration=dummy.one&platform=items&action=tag",
    "/ui/items/?classification=interesting&page=50",
    "/ui/approvals/",
    "/ui/queue/",
    "/ui/logs/",
    "/ui/logs/?verify=1",
    "/api/items",
    "/api/actions?status=done",
    "/api/runs",
]


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", default="", help="server URL without a database name")
    return parser.parse_args()


def scratch_database(server_url: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        if create:
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")


def setup_django(data_dir: Path, postgres: str) -> None:
    scratch_environment(data_dir)
    if postgres:
        scratch_database(postgres, create=True)
        os.environ["DATABASE_URL"] = f"{postgres}/{PG_DATABASE}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(items: int, tasks: int) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from orchestrator.audit.chain import GENESIS, entry_hash
    from orchestrator.models import (
        ActionRecord,
        Approval,
        AuditEntry,
        AuditHead,
        Integration,
        Item,
        PlatformConfig,
        Run,
        Task,
    )

    now = timezone.now()
    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 3})
    with transaction.atomic():
        Item.objects.bulk_create(
            Item(
                integration_id="dummy.one",
                platform="items",
                key=f"item-{n}",
                snapshot={"n": n, "title": f"Item {n}", "tags": ["even" if n % 2 == 0 else "odd"]},
                classification={"interesting": round((n % 100) / 100, 2)},
            )
            for n in range(1, items + 1)
        )
        item_ids = list(Item.objects.values_list("pk", flat=True))
        ActionRecord.objects.bulk_create(
            ActionRecord(
                ledger_key=f"{pk:064x}",
                item_id=pk,
                integration_id="dummy.one",
                rule="automation #1",
                action="tag" if pk % 3 else "shout",
                parameters={"argument": "hot"},
                provenance="rule",
                tier="soft_reversible" if pk % 3 else "irreversible",
                status="done",
                summary=f"tagged item {pk}",
            )
            for pk in item_ids
        )
        runs = Run.objects.bulk_create(
            Run(integration_id="dummy.one", platform="items", status="done", seen=3, new=1, classified=1)
            for _ in range(500)
        )
        statuses = ["done"] * 97 + ["failed"] * 2 + ["pending"]
        Task.objects.bulk_create(
            (
                Task(
                    type="dummy.items.check",
                    payload={"integration": "dummy.one", "platform": "items", "n": n},
                    priority=1 + n % 9,
                    effective_priority=1 + n % 9,
                    status=statuses[n % 100],
                    attempts=1,
                    run=runs[n % len(runs)],
                    finished_at=None if statuses[n % 100] == "pending" else now - timedelta(seconds=n),
                    error="boom: simulated" if statuses[n % 100] == "failed" else "",
                )
                for n in range(tasks)
            ),
            batch_size=5000,
        )
        Approval.objects.bulk_create(
            Approval(
                source="automation",
                action="shout",
                parameters={"argument": "hey"},
                description=f"shout 'hey' on item-{n}",
                provenance="llm",
                integration_id="dummy.one",
                item_id=item_ids[n],
                rule="automation #2",
                options=[{"id": "approve", "label": "Approve"}, {"id": "reject", "label": "Reject"}],
                status="pending" if n % 4 == 0 else "rejected",
                expires_at=now + timedelta(hours=24),
            )
            for n in range(200)
        )
        entries, prev = [], GENESIS
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        count = min(items, 2000)  # a busy day: 2,000 entries today, the rest on earlier days
        for seq in range(1, items + 1):
            at = (
                start + timedelta(seconds=seq % 80_000)
                if seq > items - count
                else start - timedelta(minutes=seq)
            )
            fields = {
                "seq": seq,
                "at": at,
                "level": "info",
                "message": f"Discovered 'Item {seq}' in dummy.one/items",
                "integration_id": "dummy.one",
                "item_key": f"item-{seq}",
                "action": "",
                "provenance": "",
            }
            digest = entry_hash(**fields, prev_hash=prev)
            entries.append(AuditEntry(**fields, prev_hash=prev, hash=digest))
            prev = digest
        AuditEntry.objects.bulk_create(entries, batch_size=5000)
        AuditHead.objects.update_or_create(pk=1, defaults={"last_seq": items, "last_hash": prev})
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does after a bulk load: planner statistics
    return {
        "items": Item.objects.count(),
        "tasks": Task.objects.count(),
        "actions": ActionRecord.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def measure(repeat: int) -> dict[str, list[float]]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    timings: dict[str, list[float]] = {}
    for path in PAGES:
        status = client.get(path).status_code  # warm-up (and the cached chain verdict)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        timings[path] = times
    from orchestrator.ui.overview import pulse

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        pulse()
        times.append((time.perf_counter() - started) * 1000)
    timings["/ws/ui/ pulse (one read, per socket per second)"] = times
    return timings


def report(args: argparse.Namespace, counts: dict[str, int], timings: dict[str, list[float]]) -> str:
    database = "PostgreSQL (on this machine)" if args.postgres else "SQLite"
    when = datetime.now(UTC).date().isoformat()
    rows = [
        f"| {path if path.startswith('/ws') else f'`{path}`'} | {statistics.median(t):.1f} ms "
        f"| {percentile(t, 0.95):.1f} ms |"
        for path, t in timings.items()
    ]
    return "\n".join(
        [
            PG_SECTION if args.postgres else SECTION,
            "",
            f"`bench/ui_pages.py`, {when}, {platform.machine()}, Python {platform.python_version()}, "
            f"{database}; "
            f"{counts['items']:,} items, {counts['actions']:,} ledger rows, {counts['tasks']:,} tasks, "
            f"{counts['audit']:,} audit entries (2,000 of them today). Server time in-process (middleware, "
            f"view, template; no network), {args.repeat} requests per page on a shared 2-core machine. "
            "Pages list 50 rows (the log 200 entries). Target: every page under 50 ms.",
            "",
            "| page | median | p95 |",
            "|---|---|---|",
            *rows,
            "",
            "`/ui/logs/?verify=1` walks the whole hash chain (what `audit_log --verify` does); the plain "
            "page reuses the last verdict while the chain's head is unchanged (at most 5 minutes old).",
            "",
            "```sh",
            f".venv/bin/python bench/ui_pages.py --items {args.items} --tasks {args.tasks} "
            f"--repeat {args.repeat}" + (f" --postgres {args.postgres}" if args.postgres else ""),
            "```",
            "",
        ]
    )


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="steward-ui-bench-") as tmp:
        setup_django(Path(tmp), args.postgres)
        try:
            started = time.perf_counter()
            counts = seed(args.items, args.tasks)
            print(f"seeded in {time.perf_counter() - started:.1f} s: {counts}", file=sys.stderr)
            timings = measure(args.repeat)
        finally:
            if args.postgres:
                from django.db import connections

                connections.close_all()
                scratch_database(args.postgres, create=False)
    heading = PG_SECTION if args.postgres else SECTION
    publish(heading, report(args, counts, timings), write=not args.no_write)


if __name__ == "__main__":
    main()
