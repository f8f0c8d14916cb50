"""A stand-in worker process for the cross-process concurrency test.

``python -m tests.llm.lease_worker setup <base_url>`` migrates the file database named by
STEWARD_DATA_DIR and creates profile ``shared`` (max_concurrency 1); ``... work <label> <priority>
<calls>`` classifies up to *calls* times on that profile and prints one JSON line per call.

Optional files coordinate with the test: the worker creates ``$LEASE_WORKER_READY`` once Django is
up, waits for ``$LEASE_WORKER_GO`` before its first call, and stops once ``$LEASE_WORKER_STOP`` exists.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from orchestrator import llm  # noqa: E402
from orchestrator.models import LLMProfile  # noqa: E402

SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean", "description": "ok?"}},
    "required": ["ok"],
    "additionalProperties": False,
}


def setup(base_url: str) -> None:
    call_command("migrate", verbosity=0)
    LLMProfile.objects.create(
        name="shared",
        backend="openai",
        base_url=base_url,
        structured_output="json_object",
        max_concurrency=1,
        timeout_s=10,
    )


def work(label: str, priority: int, calls: int) -> None:
    ready, go, stop = (os.environ.get(f"LEASE_WORKER_{name}") for name in ("READY", "GO", "STOP"))
    if ready:
        open(ready, "w").close()
    give_up = time.monotonic() + 60
    while go and not os.path.exists(go) and time.monotonic() < give_up:
        time.sleep(0.005)
    for n in range(calls):
        if stop and os.path.exists(stop):
            break
        started = time.time()
        try:
            llm.classify("shared", {"item": f"{label}-{n}"}, SCHEMA, priority=priority)
            outcome = "ok"
        except llm.LLMError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        print(json.dumps({"label": label, "n": n, "outcome": outcome, "started": started}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2])
    else:
        work(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
