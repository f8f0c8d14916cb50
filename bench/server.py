"""Server benchmark (docs/BENCHMARKS.md): idle memory of the supervisor tree, and GET /integrations.

    [REFERENCE=<GaaS checkout>] .venv/bin/python bench/server.py [--duration 10] [--concurrency 10]
        [--runs 3] [--no-write]

Starts the real ``manage.py supervisor`` on a free port with a file SQLite database and two
``dummy`` integrations (tests/chat/harness.py), lets it settle, sums RSS and PSS (from
/proc/<pid>/smaps_rollup) over the supervisor and every descendant, then loads GET /integrations
with wrk (``--concurrency`` keep-alive connections) — medians over ``--runs`` fresh servers. With
``REFERENCE`` the reference (bench/_reference.py) is measured the same way in the same run,
alternating; without it its recorded figures are shown. Writes ``## Server`` into
docs/BENCHMARKS.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Import from the repository root, never from bench/ (a script there could shadow a stdlib module).
sys.path[:] = [str(REPO_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench")]

from bench._reference import recorded_figures, reference_dir, reference_sentence, reference_server  # noqa: E402
from bench._results import argument_parser, comparison_table, medians, publish, rerun_block  # noqa: E402
from tests.chat.harness import SEED_DUMMY, descendants, free_port, steward_server  # noqa: E402

SECTION = "## Server"
SETTLE_S = 10.0
# Two integrations, as the reference is configured (bench/_reference.py).
SEED_TWO = (
    SEED_DUMMY
    + """
second, _ = Integration.objects.get_or_create(type="dummy", name="two")
PlatformConfig.objects.get_or_create(integration=second, name="items", defaults={"options": {"count": 3}})
"""
)


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--duration", type=int, default=WRK_DURATION_S, help="seconds of wrk per run")
    parser.add_argument("--concurrency", type=int, default=10)
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


def tree_memory(pids: list[int]) -> dict[str, float]:
    """RSS and PSS in MiB summed over *pids*, and how many processes they are."""
    totals = [memory_kib(pid) for pid in pids]
    return {
        "rss": sum(r for r, _ in totals) / 1024,
        "pss": sum(p for _, p in totals) / 1024,
        "processes": float(len(pids)),
    }


# The report rows of :func:`tree_memory`'s figures (label, key, format), shared with bench/footprint.py.
MEMORY_ROWS = (
    ("idle memory of the whole tree, PSS", "pss", "{:.0f} MiB"),
    ("idle memory of the whole tree, RSS", "rss", "{:.0f} MiB"),
    ("processes", "processes", "{:.0f}"),
)


WRK_DURATION_S = 10
WRK_WARMUP_S = 3


def wrk(url: str, connections: int, duration_s: int) -> dict[str, float]:
    """``wrk --latency`` against *url*: requests/s, p50 and p99 in ms (the same tool for both peers)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: run `bash scripts/bench-deps.sh` (as root) or `make bench`")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration_s}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    found = {m.group(1): m.group(2) for m in re.finditer(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE)}
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    if rate is None or set(found) != {"50", "99"}:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    return {"rate": float(rate.group(1)), "p50": _ms(found["50"]), "p99": _ms(found["99"])}


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    raise ValueError(text)


def measure(pids: list[int], url: str, args: argparse.Namespace) -> dict[str, float]:
    figures = tree_memory(pids) | {"load": os.getloadavg()[0]}
    wrk(url, args.concurrency, WRK_WARMUP_S)
    return figures | wrk(url, args.concurrency, args.duration)


def steward_run(args: argparse.Namespace) -> dict[str, float]:
    with steward_server(seed=SEED_TWO) as server:
        time.sleep(SETTLE_S)  # workers forked and idle, nothing loaded lazily yet
        assert server.process is not None
        pids = [server.process.pid, *descendants(server.process.pid)]
        return measure(pids, f"{server.url}/integrations", args)


def reference_run(checkout: Path, args: argparse.Namespace) -> dict[str, float]:
    port = free_port()
    with reference_server(checkout, port) as process:
        time.sleep(SETTLE_S)
        pids = [process.pid, *descendants(process.pid)]
        return measure(pids, f"http://127.0.0.1:{port}/integrations", args)


ROWS = (
    *MEMORY_ROWS,
    ("GET /integrations, requests/s (wrk)", "rate", "{:.0f}"),
    ("GET /integrations, p50", "p50", "{:.2f} ms"),
    ("GET /integrations, p99", "p99", "{:.2f} ms"),
    ("load average (1 min) at the start", "load", "{:.2f}"),
)
RECORDED_KEYS = {
    "pss": "pss_mib",
    "rss": "rss_mib",
    "processes": "processes",
    "rate": "rate",
    "p50": "p50_ms",
    "p99": "p99_ms",
}


def report(args: argparse.Namespace, ours: list[dict[str, float]], theirs: list[dict[str, float]]) -> str:
    lines = [
        SECTION,
        "",
        f"`bench/server.py`, {datetime.now(UTC).isoformat(timespec='minutes')}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite; the real supervisor, two "
        f"integrations, wrk -t2 -c{args.concurrency} -d{args.duration}s. Median of {len(ours)} fresh "
        f"servers. {reference_sentence(bool(theirs))}",
        "",
    ]
    lines += comparison_table(ROWS, medians(ours), medians(theirs), recorded_figures(RECORDED_KEYS))
    lines += rerun_block(
        f"make bench REFERENCE=<GaaS checkout>   # or: .venv/bin/python bench/server.py --runs {args.runs} "
        f"--concurrency {args.concurrency} --duration {args.duration}"
    )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    checkout = reference_dir()
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for _ in range(args.runs):  # alternating, so both see the same machine
        ours.append(steward_run(args))
        if checkout is not None:
            theirs.append(reference_run(checkout, args))
    section = report(args, ours, theirs)
    publish(SECTION, section, write=not args.no_write)


if __name__ == "__main__":
    main()
