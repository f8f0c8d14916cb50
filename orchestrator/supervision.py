"""The supervisor (docs/ARCHITECTURE.md): daphne and the Django-Q2 cluster as children of one command.

The children are forks of the supervisor, made after it imported Django and the apps once, so every
process of the tree shares those pages (orchestrator/forked_children.py); ``--dev`` starts them with
``exec`` instead, so a restart sees changed code.

Children run in their own sessions, so a terminal's Ctrl-C reaches only the supervisor, which
forwards SIGINT/SIGTERM to each child's PID, once — never to a process group: Django-Q2's sentinel
dies on a group SIGTERM and leaves its cluster hanging, and a second signal arriving while the
qcluster's handler is inside ``Event.set()`` deadlocks it. After a short grace period (a worker
that finishes its task in time is left to do so) whatever is left of a child's session (a
sentinel, workers) is killed PID by PID, so shutdown never hangs; the tasks those killed workers
held go back to the queue (:func:`~orchestrator.queue.claim.tasks_hand_back`), so nothing is lost
and the interruption does not count as a failed attempt.

A child that dies is restarted with exponential backoff; what it left in its session (the
cluster's pusher and workers) is killed first, so two clusters never serve the same queue from one supervisor.
With ``--dev`` the children (not the supervisor) restart when a Python file of the project
changes: start-up work (migrations, schedule sync, ``--run-at-start``) is not repeated.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from django.conf import settings

from orchestrator import forked_children
from orchestrator.environment import allowed_hosts, auth_required, is_loopback_host
from orchestrator.forked_children import ChildProcess

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
EXPOSED_HOST = "0.0.0.0"  # noqa: S104 -- --expose means every interface, with authentication on
DEFAULT_PORT = 6767
# Ctrl-C stops everything within ~3 s: a classification in progress is handed back, not awaited.
SHUTDOWN_GRACE_S = 2.0
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 60.0  # a child that ran this long before dying restarts without accumulated backoff
TICK_S = 0.2
CODE_CHECK_EVERY_S = 1.0
WATCHED_SUFFIXES = {".py", ".html"}

Announce = Callable[[str], None]


class SupervisorError(Exception):
    """The supervisor refuses to start; the message says why and what to do."""


# --- what to run ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: tuple[str, ...]  # what --dev execs: a fresh interpreter sees changed code
    env: dict[str, str]
    run: Callable[[], int] | None = None  # what a forked child runs, on the supervisor's imports


def bind_host(*, host: str | None, expose: bool) -> str:
    if host and expose:
        raise SupervisorError("--expose binds 0.0.0.0; give either --expose or --host, not both")
    return host or (EXPOSED_HOST if expose else DEFAULT_HOST)


def bind_settings_apply(host: str) -> None:
    """Make this process's settings those of a server bound to *host* (settings.py derives them from
    ``STEWARD_BIND_HOST``, which the supervisor learns only from its arguments): forked children
    inherit them; exec'd ones read ``STEWARD_BIND_HOST`` from their environment."""
    settings.BIND_HOST = host
    settings.BIND_IS_LOOPBACK = is_loopback_host(host)
    settings.AUTH_REQUIRED = auth_required(settings.AUTH_MODE, host)
    settings.ALLOWED_HOSTS = allowed_hosts(
        bind_host=host, required=settings.AUTH_REQUIRED, extra=settings.EXTRA_HOSTS
    )


def check_bind(host: str, port: int) -> None:
    """Refuse an unauthenticated network bind and a port that is already taken (docs/SECURITY.md)."""
    if settings.AUTH_MODE == "off" and not is_loopback_host(host):
        raise SupervisorError(
            f"STEWARD_AUTH=off is refused while binding {host}: anyone who can reach this machine "
            "could run actions. Bind to 127.0.0.1 (drop --expose/--host) or unset STEWARD_AUTH."
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as daphne binds
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise SupervisorError(f"Cannot listen on {host}:{port}: {exc.strerror}") from None


def child_specs(host: str, port: int, role: str = "all") -> list[ChildSpec]:
    """daphne (HTTP + websockets) and the Django-Q2 cluster, told where daphne listens.

    ``--role web`` runs only daphne, ``--role workers`` only the cluster (docs/DEPLOY.md).
    """
    python = sys.executable
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    common = {"STEWARD_BIND_HOST": host, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    specs = [
        ChildSpec(
            "web",
            (python, "-m", "daphne", "-b", host, "-p", str(port), "orchestrator.asgi:application"),
            common,
            functools.partial(forked_children.run_web, host, port),
        ),
        ChildSpec("workers", (python, manage, "qcluster"), common, forked_children.run_workers),
    ]
    if role == "web":
        return specs[:1]
    if role == "workers":
        return specs[1:]
    return specs


def public_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


# --- start-up work ------------------------------------------------------------------------------------
def prepare_database(
    run_at_start: Iterable[str],
    announce: Announce,
    *,
    setup: bool = False,
    migrate: bool = True,
    pending: bool = True,
) -> None:
    """Apply pending migrations, sync schedules, then queue each ``--run-at-start`` integration.

    With *setup* (``--setup``, what ``make run`` passes) also ``ensure_admin`` and ``setup_demo``
    here: one Django start-up instead of four keeps a warm ``make run`` to a few seconds. A
    ``workers`` machine passes ``migrate=False``: the schema is the web machine's to change.
    ``pending=False`` (the topology check found every migration applied) skips ``migrate``, which
    would load the migration graph a second time to find nothing to do.
    """
    from django.core.management import call_command
    from django.db import connections

    from orchestrator.running.schedules import schedules_sync_all
    from orchestrator.running.triggers import TriggerError, integration_trigger

    if migrate:
        if pending:
            call_command("migrate", interactive=False, verbosity=0)
        if setup:
            call_command("ensure_admin")
            call_command("setup_demo")
        schedules_sync_all()
    for integration_id in run_at_start:
        try:
            tasks = integration_trigger(integration_id)
        except TriggerError as exc:
            logger.warning("--run-at-start %s: not queued: %s", integration_id, exc.detail)
            continue
        announce(f"Queued a run of {integration_id}: task {', '.join(t.uid for t in tasks)}")
    connections.close_all()  # children open their own; keep no SQLite handle across their life


# --- processes ------------------------------------------------------------------------------------------
def session_pids(session_id: int) -> list[int]:
    """Every live process of a session (a child started with start_new_session, and its offspring)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state ppid pgrp session ...
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == session_id:
            pids.append(int(entry.name))
    return pids


def kill_session(session_id: int) -> None:
    """SIGKILL each remaining process of the session, one PID at a time."""
    for pid in session_pids(session_id):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class Child:
    spec: ChildSpec
    fork: bool = False
    process: ChildProcess | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    backoff_s: float = BACKOFF_FIRST_S

    def start(self) -> None:
        if self.fork and self.spec.run is not None:
            self.process = forked_children.fork(self.spec.name, self.spec.run, self.spec.env)
        else:
            env = {k: v for k, v in os.environ.items() if k != "Q_CLUSTER_NAME"} | self.spec.env
            self.process = subprocess.Popen(
                self.spec.argv,
                env=env,
                cwd=settings.BASE_DIR,
                start_new_session=True,
                # Between fork and exec: if the supervisor is SIGKILLed, the child gets a SIGTERM
                # (and shuts down gracefully) instead of running on unsupervised.
                preexec_fn=forked_children.die_with_parent,
            )
        self.started_at = time.monotonic()
        self.restart_at = None
        logger.info("started %s (pid %d)", self.spec.name, self.process.pid)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exited(self) -> int | None:
        return self.process.poll() if self.process else None

    def schedule_restart(self, now: float) -> float:
        """Plan the restart of a child that died; returns the delay (exponential, capped)."""
        if now - self.started_at >= STABLE_AFTER_S:
            self.backoff_s = BACKOFF_FIRST_S
        delay = self.backoff_s
        self.backoff_s = min(self.backoff_s * 2, BACKOFF_MAX_S)
        self.restart_at = now + delay
        return delay

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signum)  # this PID only: never the group

    def reap_leftovers(self) -> None:
        """After the child itself exited: kill what it left in its session (a qcluster's sentinel)."""
        if self.process is not None:
            kill_session(self.process.pid)


def worker_identities(children: list[Child]) -> list[str]:
    """How the queue names the workers in the children's sessions (``claimed_by`` of their tasks)."""
    host = socket.gethostname()
    return [f"{host}:{pid}" for child in children if child.pid for pid in session_pids(child.pid)]


def hand_back_tasks(identities: list[str]) -> None:
    """Put the tasks killed workers held back in the queue; a shutdown must not lose or fail them."""
    if not identities:
        return
    from django.db import DatabaseError, connections

    from orchestrator.queue.claim import tasks_hand_back

    try:
        handed = tasks_hand_back(identities)
    except DatabaseError:
        logger.exception("could not hand back the tasks of stopped workers; they retry when their lease ends")
        return
    finally:
        connections.close_all()
    if handed:
        logger.info("handed %d running task(s) back to the queue", handed)


def stop_children(children: list[Child], signum: int, grace_s: float) -> None:
    """Forward *signum* to each child, wait up to *grace_s*, then kill whatever is left."""
    identities = worker_identities(children)
    for child in children:
        child.signal(signum)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(c.exited() is None for c in children if c.process):
        time.sleep(TICK_S)
    for child in children:
        if child.process is None:
            continue
        if child.exited() is None:
            logger.warning("%s did not stop within %.0f s; killing it", child.spec.name, grace_s)
        kill_session(child.process.pid)
        try:
            child.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            logger.error("%s (pid %d) survived SIGKILL", child.spec.name, child.process.pid)
    hand_back_tasks(identities)


# --- dev mode ---------------------------------------------------------------------------------------------
@dataclass
class CodeWatcher:
    """Notices changed, added or removed Python files and templates under the project's folders."""

    roots: list[Path]
    snapshot: dict[Path, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.snapshot = self._scan()

    def _scan(self) -> dict[Path, float]:
        found = {}
        for root in self.roots:
            for path in root.rglob("*"):
                if path.suffix in WATCHED_SUFFIXES:
                    with contextlib.suppress(OSError):  # removed between listing and stat
                        found[path] = path.stat().st_mtime
        return found

    def changed(self) -> list[Path]:
        current = self._scan()
        changed = [p for p in current.keys() | self.snapshot.keys() if current.get(p) != self.snapshot.get(p)]
        self.snapshot = current
        return sorted(changed)


def project_code_roots() -> list[Path]:
    """What the children run: the project apps, templates and the STEWARD_PLUGINS modules' folders."""
    import importlib

    base = Path(settings.BASE_DIR)
    roots = [base / name for name in ("orchestrator", "integrations", "chat", "templates")]
    for module_path in settings.STEWARD_PLUGINS:
        module_file = getattr(importlib.import_module(module_path), "__file__", None)
        if module_file:
            roots.append(Path(module_file).parent)
    return [root for root in dict.fromkeys(roots) if root.is_dir()]


# --- the loop ---------------------------------------------------------------------------------------------
class Supervisor:
    def __init__(
        self,
        specs: list[ChildSpec],
        *,
        url: str,
        probe: tuple[str, int] | None,
        announce: Announce,
        watcher: CodeWatcher | None = None,
        grace_s: float = SHUTDOWN_GRACE_S,
        fork: bool = False,
    ):
        self.children = [Child(spec, fork=fork) for spec in specs]
        self.url = url
        self.probe = probe
        self.announce = announce
        self.watcher = watcher
        self.grace_s = grace_s
        self.stop_signal: int | None = None
        self._announced = False

    def request_stop(self, signum: int, frame: FrameType | None = None) -> None:
        if self.stop_signal is not None:
            # A second Ctrl-C: do not wait for graceful shutdown any longer.
            for child in self.children:
                child.signal(signal.SIGKILL)
        self.stop_signal = signum

    def run(self) -> int:
        """Start the children and keep them running until SIGTERM/SIGINT; returns the exit code."""
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for child in self.children:
                child.start()
            self._loop()
        finally:
            stop_children(self.children, self.stop_signal or signal.SIGTERM, self.grace_s)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("supervisor stopped")
        return 0

    def _loop(self) -> None:
        next_code_check = time.monotonic() + CODE_CHECK_EVERY_S
        while self.stop_signal is None:
            now = time.monotonic()
            for child in self.children:
                self._tend(child, now)
            if not self._announced and self.probe is None:
                self._announced = True  # --role workers: nothing listens
                self.announce("Steward workers are running  (Ctrl-C to stop)")
            elif not self._announced and self.probe is not None and _accepts_connections(*self.probe):
                self._announced = True
                self.announce(f"Steward is running at {self.url}  (Ctrl-C to stop)")
                for line in where_to_look(self.url):
                    self.announce(line)
            if self.watcher is not None and now >= next_code_check:
                next_code_check = now + CODE_CHECK_EVERY_S
                self._reload_if_changed()
            time.sleep(TICK_S)

    def _tend(self, child: Child, now: float) -> None:
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.start()
            return
        code = child.exited()
        if code is None:
            return
        child.reap_leftovers()
        delay = child.schedule_restart(now)
        logger.error("%s exited with code %s; restarting in %.0f s", child.spec.name, code, delay)

    def _reload_if_changed(self) -> None:
        assert self.watcher is not None
        changed = self.watcher.changed()
        if not changed:
            return
        self.announce(f"{changed[0]} changed; restarting web and workers")
        stop_children(self.children, signal.SIGTERM, self.grace_s)
        for child in self.children:
            child.backoff_s = BACKOFF_FIRST_S
            child.start()
        self._announced = False


def _shown(path: Path) -> str:
    """*path* relative to the working directory when it is inside it (what a person types)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def where_to_look(url: str) -> list[str]:
    """The lines that tell a new user where to see what Steward is doing."""
    from orchestrator.accounts import PASSWORD_FILE_NAME

    password_file = _shown(Path(settings.DATA_DIR) / PASSWORD_FILE_NAME)
    manage = f"{_shown(Path(sys.executable).parent / 'python')} manage.py"
    return [
        f"  dashboard:  {url}ui/",
        f"  admin:      {url}admin/  (user admin, password in {password_file})",
        f"  audit log:  {manage} audit_log",
        f"  follow the demo run:  {manage} run_integration email.personal --wait",
    ]


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def probe_address(host: str, port: int) -> tuple[str, int]:
    """Where to check that daphne listens: a wildcard bind answers on loopback."""
    if host in {EXPOSED_HOST, ""}:
        return ("127.0.0.1", port)
    if host in {"::", "[::]"}:
        return ("::1", port)
    return (host.strip("[]"), port)


def supervise(
    *,
    host: str,
    port: int,
    dev: bool,
    run_at_start: Iterable[str],
    announce: Announce,
    role: str = "all",
    setup: bool = False,
) -> int:
    """What ``manage.py supervisor`` does: check, prepare the database, run the children.

    Every check (bind, database, Redis, schema version: orchestrator/topology.py) passes before
    the first child starts, so a machine is never half-started.
    """
    from orchestrator.topology import MIGRATING_ROLES, TopologyError, topology_check

    serves_web = role != "workers"
    if serves_web:
        check_bind(host, port)
    bind_settings_apply(host)
    try:
        state = topology_check(role)
    except TopologyError as exc:
        raise SupervisorError(str(exc)) from None
    prepare_database(
        run_at_start, announce, setup=setup, migrate=role in MIGRATING_ROLES, pending=bool(state.unapplied)
    )
    if not dev:
        forked_children.preload()
    supervisor = Supervisor(
        child_specs(host, port, role),
        url=public_url(host, port),
        probe=probe_address(host, port) if serves_web else None,
        announce=announce,
        watcher=CodeWatcher(project_code_roots()) if dev else None,
        fork=not dev,
    )
    if not is_loopback_host(host) or settings.AUTH_MODE == "required":
        announce("Authentication is on: use an API token (create_api_token) or log in at /admin/")
    return supervisor.run()
