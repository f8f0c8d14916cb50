"""The supervisor's children as forks of itself: Django and the apps imported once, their pages shared.

Started with ``subprocess`` each child (daphne, the Django-Q2 cluster) imported Django and every app
again — a private copy of ~60 MiB per process tree, and a second second of start-up before daphne
answered. Forked after :func:`preload`, a child begins with the supervisor's modules already in
memory, shared copy-on-write; ``gc.freeze()`` keeps the collector from touching (and so copying)
those pages. The cluster child is Django-Q2's sentinel itself (orchestrator/queue/sentinel.py); it
forks the pusher and the workers, so they share the same pages.

``--dev`` still starts children with ``exec`` (:attr:`ChildSpec.argv`): a fresh interpreter is what
sees changed code.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Protocol

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
WAIT_TICK_S = 0.05


class ChildProcess(Protocol):
    """What the supervisor needs of a child: ``subprocess.Popen`` or :class:`ForkedProcess`."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class ForkedProcess:
    """A forked child, with the part of ``Popen``'s interface the supervisor uses."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -signal.SIGKILL  # reaped elsewhere; gone either way
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
            time.sleep(WAIT_TICK_S)
        return code


def die_with_parent() -> None:
    """In a child: a SIGTERM (graceful) when the supervisor dies, even of SIGKILL; Linux only."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def name_process(name: str) -> None:
    """``/proc/<pid>/comm`` (what ``ps -o comm`` and ``top`` show) names the child: steward-web, …."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_NAME, f"steward-{name}".encode()[:15])


def preload() -> None:
    """Import, in the supervisor, what its children would each import again; then freeze it.

    Only what several children use gains anything (daphne's Twisted stays in daphne: importing it
    here would also create its event loop before the fork).
    """
    import django_q.cluster  # noqa: F401 -- the cluster child and every process it forks
    from django.urls import get_resolver

    import orchestrator.queue.broker
    import orchestrator.queue.execution
    import orchestrator.queue.sentinel  # noqa: F401

    get_resolver().url_patterns  # noqa: B018 -- views, the ninja API and the admin, built once
    gc.collect()
    gc.freeze()


def fork(name: str, run: Callable[[], int], env: dict[str, str]) -> ForkedProcess:
    """Start *run* in a forked child in a session of its own; the child never returns from here."""
    from django.db import connections

    connections.close_all()  # a forked SQLite or PostgreSQL handle would be shared with the child
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return ForkedProcess(pid)
    code = 1
    try:
        os.setsid()
        die_with_parent()
        if os.getppid() != parent:  # the supervisor died before the line above
            os._exit(1)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        os.environ.update(env)
        name_process(name)
        code = run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


# --- what the children run --------------------------------------------------------------------------
def run_web(host: str, port: int) -> int:
    """daphne on *host*:*port*, as ``python -m daphne -b host -p port orchestrator.asgi:application``.

    Two optional speed-ups daphne's libraries take when they are installed cost memory and buy
    nothing here: Twisted imports pyOpenSSL and cryptography for TLS (~4 MiB), which this daphne
    never serves (plain HTTP on the bound address; TLS is the reverse proxy's, docs/DEPLOY.md), and
    autobahn's NVX compiles its C declarations with pycparser at import (~1 MiB) to validate UTF-8
    faster in websocket frames far larger than a chat message.
    """
    # A None entry makes ``import OpenSSL`` fail, so Twisted serves without TLS support.
    sys.modules.setdefault("OpenSSL", None)  # type: ignore[arg-type]
    os.environ.setdefault("AUTOBAHN_USE_NVX", "0")
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(["-b", host, "-p", str(port), "orchestrator.asgi:application"])
    return 0


def run_workers() -> int:
    """The Django-Q2 cluster, its sentinel being this process (orchestrator/queue/sentinel.py):
    returns once it has stopped."""
    from orchestrator.queue import sentinel

    return sentinel.run()
