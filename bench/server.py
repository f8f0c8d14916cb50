"""Server benchmark (docs/BENCHMARKS.md): idle memory of the supervisor tree, and GET /integrations.

    .venv/bin/python bench/server.py [--requests 2000] [--concurrency 8] [--runs 3] [--no-write]

Starts the real ``manage.py supervisor`` (daphne + both Django-Q2 clusters) on a free port with a
file SQLite database and one ``dummy`` integration (tests/chat/harness.py), lets it settle, sums
RSS and PSS (from /proc/<pid>/smaps_rollup) over the supervisor and every descendant, then sends
``--requests`` GET /integrations over ``--concurrency`` keep-alive connections from this process
and reports requests/s and latency percentiles — medians over ``--runs`` fresh servers. Writes
``## Server`` into docs/BENCHMARKS.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# Import from the repository root, never from bench/ (a script there could shadow a stdlib module).
sys.path[:] = [str(REPO_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench")]

import httpx  # noqa: E402

from bench._results import argument_parser, percentile, publish  # noqa: E402
from tests.chat.harness import StewardServer, descendants, steward_server  # noqa: E402

SECTION = "## Server"
SETTLE_S = 10.0


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_args()


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; (0, 0) when it is gone."""
    rss = pss = 0
    try:
        for line in (Path("/proc") / str(pid) / "smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name == "Rss":
                rss = int(rest.split()[0])
            elif name == "Pss":
                pss = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return rss, pss


def tree_memory(server: StewardServer) -> tuple[float, float, int]:
    assert server.process is not None
    pids = [server.process.pid, *descendants(server.process.pid)]
    totals = [memory_kib(pid) for pid in pids]
    return sum(r for r, _ in totals) / 1024, sum(p for _, p in totals) / 1024, len(pids)


def load(url: str, requests: int, concurrency: int) -> tuple[float, list[float]]:
    """Send *requests* GETs over *concurrency* connections; (requests/s, latencies in s)."""
    share = [requests // concurrency + (1 if n < requests % concurrency else 0) for n in range(concurrency)]

    def worker(count: int) -> list[float]:
        timings = []
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(count):
                started = time.perf_counter()
                response = client.get("/integrations")
                timings.append(time.perf_counter() - started)
                response.raise_for_status()
        return timings

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = [t for part in pool.map(worker, share) for t in part]
    return len(latencies) / (time.perf_counter() - started), latencies


def one_run(args: argparse.Namespace) -> dict[str, Any]:
    with steward_server() as server:
        time.sleep(SETTLE_S)  # workers forked and polling, nothing loaded lazily yet
        rss, pss, processes = tree_memory(server)
        load(server.url, min(200, args.requests), args.concurrency)  # warm-up
        rate, latencies = load(server.url, args.requests, args.concurrency)
    return {
        "rss": rss,
        "pss": pss,
        "processes": processes,
        "rate": rate,
        "p50": percentile(latencies, 0.50) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
    }


def report(args: argparse.Namespace, runs: list[dict[str, Any]]) -> str:
    med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    when = datetime.now(UTC).date().isoformat()
    return "\n".join(
        [
            SECTION,
            "",
            f"`bench/server.py`, {when}, {platform.machine()}, Python {platform.python_version()}, SQLite; "
            f"the real supervisor (daphne + both clusters, {int(med['processes'])} processes), one dummy "
            f"integration. Median of {len(runs)} fresh servers.",
            "",
            "| measurement | value |",
            "|---|---|",
            f"| idle memory of the supervisor tree, RSS | {med['rss']:.0f} MiB |",
            f"| idle memory of the supervisor tree, PSS | {med['pss']:.0f} MiB |",
            f"| GET /integrations, {args.concurrency} connections | {med['rate']:.0f} requests/s |",
            f"| GET /integrations latency p50 / p99 | {med['p50']:.1f} ms / {med['p99']:.1f} ms |",
            "",
            "The embedded model is not in these figures: it loads lazily in the worker that first "
            "classifies (SmolLM2-135M adds roughly its GGUF size, ~100 MiB, to that worker).",
            "",
            "```sh",
            f".venv/bin/python bench/server.py --requests {args.requests} --concurrency {args.concurrency} "
            f"--runs {args.runs}",
            "```",
            "",
        ]
    )


def main() -> None:
    args = parse_args()
    runs = [one_run(args) for _ in range(args.runs)]
    section = report(args, runs)
    publish(SECTION, section, write=not args.no_write)


if __name__ == "__main__":
    main()
