"""First-run benchmark (docs/BENCHMARKS.md): what a new user sees after ``make run`` on a fresh data dir.

    .venv/bin/python bench/first_run.py [--runs 1] [--timeout 300] [--no-write]

Each run starts ``manage.py supervisor --setup`` exactly as ``make run`` does (embedded SQLite, the
embedded llama.cpp model, the demo mailbox) with a new empty ``STEWARD_DATA_DIR`` and the user's
environment otherwise, and times from ``exec``: the first ``200`` on ``GET /``, the first demo
email stored as classified, the first action in the ledger, the first action decided by an
automation that waits for the LLM (``provenance`` llm or hybrid), and every demo email
classified. The figures are read from the server's own SQLite file (read-only, polled every 0.2 s),
so the bench needs no API token. Writes ``## First run`` into docs/BENCHMARKS.md unless
``--no-write``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Import from the repository root, never from bench/ (a script there could shadow a stdlib module).
sys.path[:] = [str(REPO_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench")]

from bench._results import argument_parser, publish, rerun_block  # noqa: E402
from bench.footprint import start_supervisor, stop_tree, wait_for_200  # noqa: E402
from tests.chat.harness import free_port  # noqa: E402

SECTION = "## First run"
NAN = float("nan")
POLL_S = 0.2
QUERIES = {
    "classified": "SELECT COUNT(*) FROM orchestrator_item WHERE classified_at IS NOT NULL",
    "items": "SELECT COUNT(*) FROM orchestrator_item",
    "actions": "SELECT COUNT(*) FROM orchestrator_actionrecord",
    "llm_actions": "SELECT COUNT(*) FROM orchestrator_actionrecord WHERE provenance IN ('llm', 'hybrid')",
}
MILESTONES = (
    ("first 200 on `/`", "first_200"),
    ("first demo email classified", "first_classified"),
    ("first action (any rule)", "first_action"),
    ("first action of a rule that waits for the LLM", "first_llm_action"),
    ("every demo email classified", "all_classified"),
)


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300.0, help="give up on a run after this long")
    return parser.parse_args()


def counts(database: Path) -> dict[str, int]:
    if not database.exists():
        return {}
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)) as db:
            return {name: int(db.execute(sql).fetchone()[0]) for name, sql in QUERIES.items()}
    except sqlite3.Error:  # not migrated yet, or locked for a moment
        return {}


def one_run(timeout_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="steward-first-run-") as tmp:
        data_dir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STEWARD_", "DJANGO_"))}
        env |= {"STEWARD_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
        port = free_port()
        log_path = data_dir.parent / f"{data_dir.name}.log"
        process, started = start_supervisor(REPO_ROOT, env, log_path, "--setup", "--port", str(port))
        found: dict[str, float] = {}
        try:
            found["first_200"] = wait_for_200(f"http://127.0.0.1:{port}/", process, started)
            database = data_dir / "steward.sqlite3"
            while time.monotonic() - started < timeout_s and process.poll() is None:
                now = counts(database)
                at = time.monotonic() - started
                if now.get("classified"):
                    found.setdefault("first_classified", at)
                if now.get("actions"):
                    found.setdefault("first_action", at)
                if now.get("llm_actions"):
                    found.setdefault("first_llm_action", at)
                if now.get("items") and now.get("classified", 0) >= now["items"]:
                    found.setdefault("all_classified", at)
                    found["emails"] = now["items"]
                    break
                time.sleep(POLL_S)
        finally:
            stop_tree(process)
        found["load"] = os.getloadavg()[0]
        return found


def report(args: argparse.Namespace, runs: list[dict[str, float]]) -> str:
    def median(key: str) -> str:
        values = [run[key] for run in runs if key in run]
        if len(values) < len(runs):
            return f"not within {args.timeout:.0f} s in {len(runs) - len(values)} of {len(runs)} run(s)"
        return f"{statistics.median(values):.1f} s"

    lines = [
        SECTION,
        "",
        f"`bench/first_run.py`, {datetime.now(UTC).isoformat(timespec='minutes')}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}: `manage.py supervisor --setup` (what "
        "`make run` starts) on a fresh data dir — embedded SQLite, the embedded llama.cpp model, the demo "
        f"mailbox; seconds from exec, median of {len(runs)} run(s), read from the server's own database.",
        "",
        "| milestone | after |",
        "|---|---|",
        *(f"| {label} | {median(key)} |" for label, key in MILESTONES),
        "",
        "Runs: "
        + "; ".join(
            f"{run.get('emails', 0):.0f} emails, first LLM action {run.get('first_llm_action', NAN):.1f} s, "
            f"all classified {run.get('all_classified', NAN):.1f} s at load {run['load']:.2f}"
            for run in runs
        )
        + ".",
        *rerun_block(f".venv/bin/python bench/first_run.py --runs {args.runs}"),
    ]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    runs = []
    for n in range(args.runs):
        run = one_run(args.timeout)
        print(f"run {n + 1}: " + ", ".join(f"{k} {v:.1f}" for k, v in run.items()), flush=True)
        runs.append(run)
    publish(SECTION, report(args, runs), write=not args.no_write)


if __name__ == "__main__":
    main()
