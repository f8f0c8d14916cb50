"""Chat benchmark (docs/BENCHMARKS.md): POST message → reply on the websocket, and chat-turn priority latency.

    .venv/bin/python bench/chat.py [--messages 50] [--turns 20] [--no-write]

Runs the real ``manage.py supervisor`` (daphne + both Django-Q2 clusters) on a free port with a
fresh file database and an instant scripted chat model (``tests.plugins.chat_llm``):

* **priority**: 500 classification-like tasks (priority 6, 1 s each) wait in the queue; chat turns
  are sent one after the other and the time from enqueue to start of each turn is measured;
* **round trip**: a ``websockets`` client listens on a conversation while messages are POSTed one
  after the other; measured from the POST to the assistant's reply frame (and, "push", from the
  reply being stored by the worker to its frame arriving) — on the embedded default and, when
  Redis answers on 127.0.0.1:6379, through the Redis channel layer.

Prints a markdown section and writes it as ``## Chat`` into docs/BENCHMARKS.md (replacing an older
``## Chat`` section; other sections are left alone).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# Import from the repository root, never from bench/ (a script there could shadow a stdlib module).
sys.path[:] = [str(REPO_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench")]

import httpx  # noqa: E402
import websockets  # noqa: E402

from bench._results import argument_parser, percentile, publish  # noqa: E402
from tests.chat.harness import StewardServer, steward_server  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"
SECTION = "## Chat"
WAITING = 500

PRIORITY_PROBE = """
import json
from chat.store import conversation_create
from chat.submit import message_submit
from orchestrator.models import Task
from tests.chat.probe_steps import enqueue_classifications, finished_turn

enqueue_classifications({waiting}, "{log}", sleep_s=1.0)
conversation = conversation_create()
samples, waiting = [], []
for n in range({turns}):
    waiting.append(Task.objects.filter(priority=6, status="pending").count())
    submitted = message_submit(conversation_id=conversation.id, content=f"turn {{n}}")
    turn = finished_turn(submitted.task_uid, poll_s=0.01)
    samples.append((turn.started_at - turn.created_at).total_seconds())
print(json.dumps({{"samples": samples, "waiting_min": min(waiting)}}))
"""


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--messages", type=int, default=50, help="messages per round-trip run")
    parser.add_argument("--turns", type=int, default=20, help="chat turns behind the waiting tasks")
    return parser.parse_args()


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def row(what: str, values: list[float]) -> str:
    return f"| {what} | {ms(statistics.median(values))} | {ms(percentile(values, 0.95))} | {len(values)} |"


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


async def round_trips(server: StewardServer, count: int) -> dict[str, list[float]]:
    conversation_id = server.new_conversation()
    trips: list[float] = []
    pushes: list[float] = []
    async with (
        websockets.connect(server.ws_url(conversation_id), open_timeout=10) as ws,
        httpx.AsyncClient(base_url=server.url, timeout=10) as http,
    ):
        for n in range(count + 1):  # the first one warms the workers up and is not counted
            sent = time.time()
            response = await http.post(
                f"/api/chat/conversations/{conversation_id}/messages", json={"content": f"m{n}"}
            )
            response.raise_for_status()
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
                if frame["type"] == "message" and frame["message"]["role"] == "assistant":
                    received = time.time()
                    stored = datetime.fromisoformat(frame["message"]["timestamp"]).timestamp()
                    break
            if n:
                trips.append(received - sent)
                pushes.append(received - stored)
    return {"round_trip": trips, "push": pushes}


CLAIM_PROBE = """
import json
from orchestrator.models import Task
turns = Task.objects.filter(type="chat.turn").order_by("id")
print(json.dumps([(t.started_at - t.created_at).total_seconds() for t in turns if t.started_at][1:]))
"""


def measure_round_trips(count: int, redis_url: str = "") -> dict[str, list[float]]:
    """Round trips and pushes on the websocket, and each turn's claim (enqueue → started)."""
    with steward_server(redis_url=redis_url) as server:
        result = asyncio.run(round_trips(server, count))
        result["claim"] = [float(v) for v in server.python_json(CLAIM_PROBE)]
        return result


def measure_priority(turns: int) -> dict[str, Any]:
    with steward_server() as server:
        server.new_conversation()  # daphne up; let the clusters finish starting
        time.sleep(2)
        probe = PRIORITY_PROBE.format(waiting=WAITING, log=server.data_dir / "classify.jsonl", turns=turns)
        return dict(server.python_json(probe))


def report(args: argparse.Namespace) -> str:
    rows = []
    priority = measure_priority(args.turns)
    still = priority["waiting_min"]
    rows.append(
        row(
            f"chat turn enqueue → start, {WAITING} priority-6 tasks waiting (≥ {still} pending)",
            priority["samples"],
        )
    )
    modes = [("embedded (Unix-socket doorbell)", "")]
    if redis_answers():
        modes.append(("Redis channel layer", REDIS_URL))
    for label, url in modes:
        result = measure_round_trips(args.messages, url)
        for key, what in (
            ("round_trip", "POST → reply on the websocket"),
            ("claim", "turn enqueued → claimed and started"),
            ("push", "reply stored → on the websocket"),
        ):
            rows.append(row(f"{what}, {label}", result[key]))
    if len(modes) == 1:
        rows.append("| Redis channel layer | skipped: nothing answers on 127.0.0.1:6379 | | |")
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite"
    return "\n".join(
        [
            SECTION,
            "",
            f"`bench/chat.py`, {when}, {machine}, load average {os.getloadavg()[0]:.2f} at the end; real",
            "supervisor (daphne + the worker cluster), instant scripted chat model. Enqueue rings the",
            "pusher and the worker rings the web process (orchestrator/doorbell.py); the polls are a 2 s",
            "safety net. Reference (GaaS 21a8992, recorded, 1 s poll): POST → reply p50 1,018 ms.",
            "",
            "| measurement | p50 | p95 | samples |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


def main() -> None:
    args = parse_args()
    section = report(args)
    publish(SECTION, section, write=not args.no_write)


if __name__ == "__main__":
    main()
