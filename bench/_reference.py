"""The reference system (gregology/GaaS at 21a8992) as a bench peer (a helper: `make bench` skips it).

``REFERENCE=<dir>`` names a checkout of that commit with its dependencies installed in a venv
(``<dir>/.venv`` or ``REFERENCE_PYTHON``; docs/BENCHMARKS.md says how). It is started with its own
supervisor on a free port with an equivalent configuration: two integrations and the LLM at a stub
URL. Without ``REFERENCE`` the figures recorded on this machine (:data:`RECORDED`) stand in.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

REFERENCE_COMMIT = "21a8992"
STARTUP_TIMEOUT_S = 60.0

# Measured side by side on this 2-core machine (quiet), median of 3 rounds.
RECORDED = {
    "pss_mib": 166.0,
    "rss_mib": 200.0,
    "processes": 3,
    "rate": 4383.0,
    "p50_ms": 2.1,
    "p99_ms": 5.5,
    "chat_p50_ms": 1018.0,
    "email_s": 117.0,
    "email_logins": 2201,
    "enqueue_per_s": 1284.0,
    "startup_s": 3.4,
}

CONFIG = """\
llms:
  default:
    base_url: {llm_url}
    model: stub
integrations:
"""
MAILBOXES = (("personal", "bench"), ("work", "work"))
# Two mailboxes on a closed port: the reference starts its schedulers without reaching a server.
MAILBOX = """\
  - type: email
    name: {name}
    imap_server: 127.0.0.1
    imap_port: 1
    username: {username}
    password: !secret bench_password
    schedule:
      every: 12h
    llm: default
    platforms:
      inbox:
        limit: 50
"""


def reference_dir() -> Path | None:
    raw = os.environ.get("REFERENCE", "").strip()
    return Path(raw).resolve() if raw else None


def reference_sentence(measured: bool) -> str:
    """The sentence of a report that says which reference its figures are and where they come from."""
    if measured:
        source = f"measured in the same run, alternating (REFERENCE={reference_dir()})"
    else:
        source = "recorded earlier on this machine (quiet), not measured now: pass REFERENCE=<dir> to measure"
    return f"Reference (GaaS {REFERENCE_COMMIT}): {source}."


def recorded_figures(names: dict[str, str]) -> dict[str, float]:
    """The :data:`RECORDED` figures a bench shows, by its own keys (*names*: its key → recorded name)."""
    return {key: RECORDED[name] for key, name in names.items() if name in RECORDED}


def reference_python(checkout: Path) -> str:
    return os.environ.get("REFERENCE_PYTHON") or str(checkout / ".venv" / "bin" / "python")


@contextlib.contextmanager
def reference_server(
    checkout: Path, port: int, llm_url: str = "http://127.0.0.1:9/"
) -> Iterator[subprocess.Popen[bytes]]:
    """The reference's supervisor on *port* with two integrations; killed (its group) on exit."""
    mailboxes = (MAILBOX.format(name=name, username=f"{user}@example.com") for name, user in MAILBOXES)
    (checkout / "config.yaml").write_text(CONFIG.format(llm_url=llm_url) + "".join(mailboxes))
    (checkout / "secrets.yaml").write_text("bench_password: not-a-real-password\n")
    log = (checkout / "bench-supervisor.log").open("ab")
    process = subprocess.Popen(
        [reference_python(checkout), "-m", "app.supervisor", "--port", str(port)],
        cwd=checkout,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/integrations", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the reference did not come up; see {checkout / 'bench-supervisor.log'}")
            time.sleep(0.2)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
