"""Email throughput through the real path (docs/BENCHMARKS.md): 1,000 messages, `supervisor`, stub LLM.

    .venv/bin/python bench/email_pipeline.py [--messages 1000] [--runs 3] [--max-concurrency 4] [--no-write]

Each run: a throwaway Dovecot (tests/email/dovecot.py) on free loopback ports with ``--messages``
fixture emails in a fresh INBOX; an OpenAI-compatible stub LLM on loopback that answers every
request at once (a valid reply for the schema it is sent); a fresh data dir with an email
integration whose LLM profile points at the stub (``max_concurrency`` from the flag) and two
automations (archive CI mail, flag the boss's low-priority mail); then the real ``manage.py
supervisor`` (daphne and the worker cluster, as ``make run`` starts them). The run is triggered
over HTTP (``POST /integrations/email.bench/run``) and timed until every message is
classified and evaluated and the run is done.

Counted, not timed (deterministic on a loaded machine): IMAP logins (Dovecot's log), LLM requests
(the stub), and ORM queries of every worker and pusher process (``STEWARD_QUERY_COUNT_DIR``,
orchestrator/queue/query_count.py: claims, heartbeats and bookkeeping included), per message and
by task type. ``REFERENCE`` is not run here (the reference needs its own mail setup); its
recorded figure is printed beside ours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pwd
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# Import from the repository root, never from bench/ (a script there could shadow a stdlib module).
sys.path[:] = [str(REPO_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench")]

import httpx  # noqa: E402

from bench._reference import RECORDED  # noqa: E402
from bench._results import argument_parser, publish  # noqa: E402
from tests.chat.harness import StewardServer, free_port, run_python, server_env  # noqa: E402
from tests.email.dovecot import PASSWORD, Dovecot  # noqa: E402
from tests.email.harness import fixture_bytes, fixture_names, write_maildir  # noqa: E402
from tests.email.tls import make_ca  # noqa: E402

SECTION = "## Email"
TIMEOUT_S = 900.0
AUTOMATIONS = [
    {"name": "ci", "when": {"list_id": "ci.bench.example"}, "then": "archive"},
    {
        "name": "boss",
        "when": {"from_address": "boss@bench.example", "classification.priority": "low"},
        "then": "flag",
    },
]

SEED = """
from orchestrator.models import Integration, LLMProfile, PlatformConfig
profile = LLMProfile.objects.create(
    name="stub", backend="openai", base_url={llm_url!r}, model="stub",
    structured_output="json_schema", timeout_s=30, max_concurrency={concurrency},
)
integration = Integration.objects.create(
    type="email", name="bench", llm=profile, settings={settings!r}, secrets={{"password": {password!r}}}
)
config = PlatformConfig(integration=integration, name="inbox", options={{"limit": {count}}},
                        automations={automations!r})
config.full_clean()
config.save()
"""


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--messages", type=int, default=1000, help="messages in the INBOX")
    parser.add_argument("--runs", type=int, default=3, help="fresh runs (median reported)")
    parser.add_argument("--max-concurrency", type=int, default=4, help="the LLM profile's max_concurrency")
    return parser.parse_args()


def corpus(count: int) -> list[bytes]:
    """*count* fixture messages, each with its own Message-ID; every tenth from CI, every tenth from the
    boss."""
    bodies = [fixture_bytes(name) for name in fixture_names()]
    messages = []
    for n in range(count):
        extra = f"Message-ID: <bench-{n}@bench.example>\r\n"
        if n % 10 == 0:
            extra += "List-Id: <ci.bench.example>\r\n"
        elif n % 10 == 5:
            extra = f"From: Boss <boss@bench.example>\r\n{extra}"
        messages.append(extra.encode() + bodies[n % len(bodies)])
    return messages


# --- the stub LLM ------------------------------------------------------------------------------------
def _value(spec: dict[str, Any]) -> Any:
    if "enum" in spec:
        return spec["enum"][-1]
    kind = spec.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    return {"boolean": False, "number": 0.2, "integer": 0, "string": "x"}.get(str(kind))


def stub_reply(body: dict[str, Any]) -> dict[str, Any]:
    """A chat completion whose content fits the schema the request carries."""
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema") or {}
    content = {name: _value(spec) for name, spec in (schema.get("properties") or {}).items()}
    return {
        "id": "stub",
        "object": "chat.completion",
        "model": "stub",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": json.dumps(content)},
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


class StubLLM:
    """An OpenAI-compatible server on loopback that answers at once and counts requests."""

    def __init__(self) -> None:
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body in one segment: written apart, Nagle and the client's delayed ACK
            # held every reply ~40 ms (an "instant" model that was not).
            wbufsize = 64 * 1024

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send({"object": "list", "data": [{"id": "stub", "object": "model"}]})

            def do_POST(self) -> None:
                with stub.lock:
                    stub.requests += 1
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    self._send(stub_reply(json.loads(raw or b"{}")))
                finally:
                    with stub.lock:
                        stub.in_flight -= 1

            def _send(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- one run -----------------------------------------------------------------------------------------
def logins(server: Dovecot, user: str) -> int:
    log = server.root / "dovecot.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return sum(1 for line in text.splitlines() if "Login: user=<" + user + ">" in line)


def progress(db: Path) -> tuple[int, int, str]:
    """(items, classified and evaluated, run status) read straight from the SQLite file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        items, finished = conn.execute(
            "SELECT count(*), coalesce(sum(classified_at IS NOT NULL AND evaluated_at >= classified_at), 0)"
            " FROM orchestrator_item"
        ).fetchone()
        row = conn.execute("SELECT status FROM orchestrator_run ORDER BY id LIMIT 1").fetchone()
    return int(items), int(finished), str(row[0]) if row else ""


def task_spans(db: Path) -> dict[str, Any]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        rows = conn.execute("SELECT type, status FROM orchestrator_task").fetchall()
        timeline = conn.execute(
            "SELECT type, priority, (julianday(started_at) - julianday(t0)) * 86400,"
            " (julianday(finished_at) - julianday(started_at)) * 86400"
            " FROM orchestrator_task, (SELECT min(created_at) AS t0 FROM orchestrator_task)"
            " ORDER BY started_at"
        ).fetchall()
        actions = conn.execute(
            "SELECT count(*) FROM orchestrator_actionrecord WHERE status='done'"
        ).fetchone()
    by_stage = Counter(t.rsplit(".", 1)[-1] for t, _ in rows)
    failed = [t for t, status in rows if status == "failed"]
    spans = [f"{t.rsplit('.', 1)[-1]}/{p} +{start:.2f}s {took:.2f}s" for t, p, start, took in timeline]
    return {
        "tasks": len(rows),
        "by_stage": dict(by_stage),
        "failed": failed,
        "actions": int(actions[0]),
        "timeline": spans,
    }


def queries(count_dir: Path) -> tuple[int, dict[str, list[int]]]:
    total, by_type = 0, {}
    for path in count_dir.glob("*.json"):
        data = json.loads(path.read_text())
        total += data["total"]
        for name, (tasks, spent) in data["by_type"].items():
            entry = by_type.setdefault(name.rsplit(".", 1)[-1], [0, 0])
            entry[0] += tasks
            entry[1] += spent
    return total, by_type


def one_run(server: Dovecot, number: int, args: argparse.Namespace) -> dict[str, Any]:
    user = f"bench{number}-{os.getpid()}"
    write_maildir(server.maildir(user), corpus(args.messages), time.time() - 86400, pwd.getpwnam("dovecot"))
    llm = StubLLM()
    data_dir = Path(tempfile.mkdtemp(prefix="steward-bench-email-"))
    count_dir = data_dir / "query-counts"
    count_dir.mkdir()
    try:
        env = server_env(data_dir, STEWARD_QUERY_COUNT_DIR=str(count_dir), STEWARD_LOG_LEVEL="WARNING")
        seed = SEED.format(
            llm_url=llm.url,
            concurrency=args.max_concurrency,
            settings=server.settings(user),
            password=PASSWORD,
            count=args.messages,
            automations=AUTOMATIONS,
        )
        # manage.py creates the data dir's encryption key (the seed stores a secret), as `make run` does.
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=REPO_ROOT, env=env, check=True
        )
        run_python(seed, env)
        steward = StewardServer(data_dir, free_port(), env)
        steward.start()
        try:
            time.sleep(3)  # let the cluster finish starting (their first claims and heartbeats)
            before = queries(count_dir)[0]
            logins_before = logins(server, user)
            db = data_dir / "steward.sqlite3"
            if not db.exists():
                db = next(data_dir.glob("*.sqlite3"))
            started = time.monotonic()
            httpx.post(f"{steward.url}/integrations/email.bench/run", timeout=30).raise_for_status()
            while True:
                items, finished, status = progress(db)
                if items >= args.messages and finished >= items and status in {"done", "failed"}:
                    break
                if time.monotonic() - started > TIMEOUT_S:
                    raise RuntimeError(f"not finished after {TIMEOUT_S}s: {finished}/{items}, run {status}")
                time.sleep(0.05)
            elapsed = time.monotonic() - started
            loadavg = Path("/proc/loadavg").read_text().split()[:3]
            time.sleep(3)  # every process's last counts flushed (pushers flush after their next claim)
            total, by_type = queries(count_dir)
            spans = task_spans(db)
        finally:
            steward.stop()
        return {
            "s": elapsed,
            "status": status,
            "logins": logins(server, user) - logins_before,
            "llm_requests": llm.requests,
            "llm_max_in_flight": llm.max_in_flight,
            "queries": total - before,
            "by_type": by_type,
            "loadavg": " ".join(loadavg),
            **spans,
        }
    finally:
        llm.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def report(args: argparse.Namespace) -> str:
    scratch = Path(tempfile.mkdtemp(prefix="steward-bench-dovecot-"))
    scratch.chmod(0o755)
    server = Dovecot(scratch / "dovecot", make_ca(scratch / "tls")).start()
    try:
        runs = []
        for n in range(args.runs):
            result = one_run(server, n, args)
            print(json.dumps(result), file=sys.stderr)
            runs.append(result)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    def median(key: str) -> float:
        return statistics.median(float(r[key]) for r in runs)

    count = args.messages
    by_type: dict[str, list[int]] = {}
    for r in runs:
        for name, (tasks, spent) in r["by_type"].items():
            entry = by_type.setdefault(name, [0, 0])
            entry[0] += tasks
            entry[1] += spent
    stage_rows = [
        f"| {name} | {tasks / len(runs):.0f} | {spent / len(runs) / count:.2f} |"
        for name, (tasks, spent) in sorted(by_type.items())
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    ref = RECORDED
    return "\n".join(
        [
            SECTION,
            "",
            f"`bench/email_pipeline.py`, {when}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"SQLite; Dovecot on loopback (plain IMAP), {count} fixture emails; "
            "the real `manage.py supervisor`, an OpenAI-compatible stub LLM over HTTP answering at once, "
            f"`max_concurrency` {args.max_concurrency}; "
            f"triggered over HTTP, timed until every message is classified and evaluated. "
            f"Median of {len(runs)} fresh runs; load average (1/5/15 min) at the end of each: "
            + ", ".join(r["loadavg"] for r in runs)
            + ". Reference (GaaS 21a8992): recorded on this machine, not run here.",
            "",
            "| figure | Steward | reference | goal |",
            "|---|---|---|---|",
            f"| wall time, {count} new messages | {median('s'):.1f} s | {ref['email_s']:.0f} s | ≤ 10 s |",
            f"| IMAP logins | {median('logins'):.0f} | {ref['email_logins']:,} | ≤ 5 |",
            f"| ORM queries per message, end to end | {median('queries') / count:.1f} | | ≤ 8 |",
            f"| LLM requests (most at once) | {median('llm_requests'):.0f} "
            f"({median('llm_max_in_flight'):.0f}) | | at most max_concurrency at once |",
            f"| tasks | {median('tasks'):.0f} | | |",
            f"| actions done | {median('actions'):.0f} | | |",
            "",
            "ORM queries by task type (mean per run; per message, the stage's handler and its bookkeeping):",
            "",
            "| stage | tasks | queries per message |",
            "|---|---|---|",
            *stage_rows,
            "",
            "```sh",
            f".venv/bin/python bench/email_pipeline.py --messages {count} --runs {args.runs} "
            f"--max-concurrency {args.max_concurrency}",
            "```",
            "",
        ]
    )


def main() -> None:
    args = parse_args()
    publish(SECTION, report(args), write=not args.no_write)


if __name__ == "__main__":
    main()
