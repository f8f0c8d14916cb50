"""Footprint benchmark (docs/BENCHMARKS.md): idle memory and process count of the default tree, and
warm start-up to the first HTTP 200.

    [REFERENCE=<GaaS checkout>] .venv/bin/python bench/footprint.py [--runs 3] [--settle 10]
        [--checkout <another Steward checkout>] [--no-write]

Each run prepares a fresh data dir (migrated, two ``dummy`` integrations, as bench/server.py), so
the start measured is a *warm* one: ``manage.py supervisor`` on a migrated database with bytecode
cached (``PYTHONDONTWRITEBYTECODE`` is dropped), timed from ``exec`` to the first ``200`` on
``GET /`` (polled every 10 ms). After ``--settle`` seconds idle it
sums RSS and PSS (``/proc/<pid>/smaps_rollup``, as smem does) over the supervisor and every
descendant and counts them. Medians over ``--runs``. With ``REFERENCE`` the reference
(bench/_reference.py) is measured the same way (its first 200 on ``GET /integrations``), alternating;
without it, its recorded figures are shown. ``--checkout`` measures another Steward tree (a
"before" figure) with this script. Writes ``## Footprint`` into docs/BENCHMARKS.md unless
``--no-write`` or ``--checkout``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
# Import from the repository root, never from bench/ (a script there could shadow a stdlib module).
sys.path[:] = [str(REPO_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench")]

from bench._reference import recorded_figures, reference_dir, reference_sentence, reference_server  # noqa: E402
from bench._results import argument_parser, comparison_table, medians, publish, rerun_block  # noqa: E402
from bench.server import MEMORY_ROWS, SEED_TWO, memory_kib, tree_memory  # noqa: E402
from tests.chat.harness import descendants, free_port, server_env  # noqa: E402

SECTION = "## Footprint"
POLL_S = 0.01
STARTUP_TIMEOUT_S = 60.0
MIGRATE = "from django.core.management import call_command\ncall_command('migrate', verbosity=0)\n"


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=10.0, help="idle seconds before measuring memory")
    parser.add_argument("--checkout", type=Path, help="measure this Steward checkout instead of this one")
    return parser.parse_args()


def process_label(pid: int) -> str:
    """What a process is: its ``comm`` for the supervisor's named forks, else its command line."""
    proc = Path("/proc") / str(pid)
    with contextlib.suppress(OSError):
        comm = (proc / "comm").read_text().strip()
        if comm.startswith("steward-"):
            return comm
        line = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        for word in ("supervisor", "daphne", "qcluster", "uvicorn", "app.supervisor", "app.worker"):
            if word in line:
                return word
        return line[:40]
    return "?"


KIND_PREFIX = "pss of "


def parent_pid(pid: int) -> int:
    with contextlib.suppress(OSError, IndexError, ValueError):
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    return 0


def tree_figures(root: int) -> tuple[dict[str, float], Counter[str]]:
    """The tree's memory, plus PSS per kind of process (``pss of <kind>``): the supervisor's direct
    ``steward-workers`` child is the cluster's sentinel, its own children the pusher and workers."""
    pids = [root, *descendants(root)]
    labels = {pid: process_label(pid) for pid in pids}
    for pid, label in labels.items():
        if label == "steward-workers" and parent_pid(pid) == root:
            labels[pid] = "steward-workers (sentinel)"
    figures = tree_memory(pids)
    for pid, label in labels.items():
        key = KIND_PREFIX + label
        figures[key] = figures.get(key, 0.0) + memory_kib(pid)[1] / 1024
    return figures, Counter(labels.values())


def start_supervisor(
    checkout: Path, env: dict[str, str], log_path: Path, *options: str
) -> tuple[subprocess.Popen[bytes], float]:
    """``manage.py supervisor *options`` in its own session, output appended to *log_path*; the
    process and when it was started (``time.monotonic()``), for :func:`wait_for_200`."""
    with log_path.open("ab") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "supervisor", *options],
            cwd=checkout,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, started


def wait_for_200(url: str, process: subprocess.Popen[bytes], started: float) -> float:
    with httpx.Client(timeout=1) as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if client.get(url).status_code == 200:
                    return time.monotonic() - started
            if process.poll() is not None or time.monotonic() - started > STARTUP_TIMEOUT_S:
                raise RuntimeError(f"{url} never answered 200")
            time.sleep(POLL_S)


def stop_tree(process: subprocess.Popen[bytes]) -> None:
    leftovers = descendants(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    for pid in [*leftovers, *descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def steward_run(checkout: Path, settle_s: float) -> tuple[dict[str, float], Counter[str]]:
    with tempfile.TemporaryDirectory(prefix="steward-footprint-") as tmp:
        # A user's Python caches bytecode; a warm start reads it (this machine's shells may not).
        env = {k: v for k, v in server_env(Path(tmp)).items() if k != "PYTHONDONTWRITEBYTECODE"}
        seed = f"import django\ndjango.setup()\n{MIGRATE}{SEED_TWO}"
        subprocess.run([sys.executable, "-c", seed], cwd=checkout, env=env, check=True, capture_output=True)
        port = free_port()
        process, started = start_supervisor(checkout, env, Path(tmp) / "supervisor.log", "--port", str(port))
        try:
            startup = wait_for_200(f"http://127.0.0.1:{port}/", process, started)
            time.sleep(settle_s)  # workers forked and idle, nothing loaded lazily yet
            figures, kinds = tree_figures(process.pid)
        finally:
            stop_tree(process)
    return figures | {"startup": startup, "load": os.getloadavg()[0]}, kinds


def reference_run(checkout: Path, settle_s: float) -> dict[str, float]:
    port = free_port()
    started = time.monotonic()
    with reference_server(checkout, port) as process:
        startup = time.monotonic() - started  # its helper polls every 0.2 s: coarser than ours
        time.sleep(settle_s)
        figures, _ = tree_figures(process.pid)
    return figures | {"startup": startup, "load": os.getloadavg()[0]}


ROWS = (
    *MEMORY_ROWS,
    ("warm start-up to the first HTTP 200", "startup", "{:.2f} s"),
    ("load average (1 min) at the end", "load", "{:.2f}"),
)
RECORDED_KEYS = {"pss": "pss_mib", "rss": "rss_mib", "processes": "processes", "startup": "startup_s"}


Figures = dict[str, float]


def report(args: argparse.Namespace, ours: list[Figures], theirs: list[Figures], kinds: Counter[str]) -> str:
    lines = [
        SECTION,
        "",
        f"`bench/footprint.py`, {datetime.now(UTC).isoformat(timespec='minutes')}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite; the real `manage.py "
        f"supervisor` on a migrated data dir with two integrations, idle {args.settle:.0f} s before "
        f"memory is read; PSS/RSS summed from /proc/<pid>/smaps_rollup over the whole tree. Median of "
        f"{len(ours)} fresh servers. {reference_sentence(bool(theirs))}",
        "",
    ]
    lines += comparison_table(ROWS, medians(ours), medians(theirs), recorded_figures(RECORDED_KEYS))
    tree = ", ".join(f"{name} × {count}" for name, count in sorted(kinds.items()))
    middle = medians(ours)
    by_kind = ", ".join(
        f"{key.removeprefix(KIND_PREFIX)} {value:.0f} MiB"
        for key, value in sorted(middle.items())
        if key.startswith(KIND_PREFIX)
    )
    lines += [
        "",
        f"Steward's tree: {tree}; PSS by kind (medians): {by_kind}. Runs: "
        + "; ".join(f"{r['pss']:.0f} MiB PSS, {r['startup']:.2f} s at load {r['load']:.2f}" for r in ours)
        + ".",
    ]
    lines += rerun_block(
        f"make bench REFERENCE=<GaaS checkout>  # or: .venv/bin/python bench/footprint.py --runs {args.runs}"
    )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    checkout = (args.checkout or REPO_ROOT).resolve()
    reference = reference_dir()
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    kinds: Counter[str] = Counter()
    for _ in range(args.runs):  # alternating, so both see the same machine
        figures, kinds = steward_run(checkout, args.settle)
        ours.append(figures)
        print(f"steward ({checkout}): {figures} {dict(kinds)}", flush=True)
        if reference is not None:
            theirs.append(reference_run(reference, args.settle))
            print(f"reference: {theirs[-1]}", flush=True)
    section = report(args, ours, theirs, kinds)
    publish(SECTION, section, write=not args.no_write and args.checkout is None)


if __name__ == "__main__":
    main()
