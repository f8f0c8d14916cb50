"""Several machines on one PostgreSQL + Redis, as processes on this one (docs/DEPLOY.md): one
``supervisor --role web`` and two ``supervisor --role workers``; and the refusals at start for a
topology that cannot work (wrong URLs, no schema, mixed versions) — never half-started."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from orchestrator.models import Integration, PlatformConfig, ServiceLease, Task
from orchestrator.topology import SchemaState, TopologyError, redacted, schema_compatible
from tests.queue.databases import PostgresDatabases, QueueDatabase, connected_to
from tests.queue.processes import REPO_ROOT, stop_process, stopped_at_the_end, wait_for_the_run, wait_until
from tests.supervisor.conftest import child_pids, command_line, healthy, process_name

REDIS_DB_URL = "redis://127.0.0.1:6379/7"


# --- the decisions, in-process ----------------------------------------------------------------------
def state(**changes: object) -> SchemaState:
    base: dict[str, object] = {
        "unapplied": [],
        "unknown": [],
        "applied_any": True,
        "code_head": "orchestrator.0008_x",
        "database_head": "orchestrator.0008_x",
    }
    return SchemaState(**(base | changes))  # type: ignore[arg-type]


def test_a_worker_refuses_a_database_migrated_by_a_newer_steward_naming_both_versions():
    newer = state(unknown=["orchestrator.0009_future"], database_head="orchestrator.0009_future")
    for role in ("workers", "web", "all"):
        with pytest.raises(TopologyError) as refused:
            schema_compatible(role, newer)
        message = str(refused.value)
        assert "was migrated by a newer Steward" in message
        assert "Database schema: orchestrator.0009_future; this code: orchestrator.0008_x" in message


def test_a_worker_refuses_an_older_schema_but_the_web_role_migrates_it():
    older = state(unapplied=["orchestrator.0008_x"], database_head="orchestrator.0007_y")
    with pytest.raises(TopologyError, match=r"older schema than this code: 1 migration\(s\) not applied"):
        schema_compatible("workers", older)
    schema_compatible("web", older)
    schema_compatible("all", older)


def test_a_worker_refuses_a_database_without_the_schema():
    empty = state(unapplied=["orchestrator.0001_initial"], applied_any=False, database_head="none")
    with pytest.raises(TopologyError, match=r"has no Steward schema\. Start the web role first"):
        schema_compatible("workers", empty)


def test_passwords_never_reach_an_error_message():
    assert redacted("postgres://steward:s3cret@db:5432/steward") == "postgres://steward:***@db:5432/steward"
    assert redacted("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


# --- real processes on PostgreSQL + Redis ---------------------------------------------------------------
pg = pytest.mark.postgres


@pytest.fixture
def pg_db(
    postgres_url: str, redis_url: str, tmp_path: Path, django_db_blocker: object
) -> Iterator[QueueDatabase]:
    databases = PostgresDatabases(postgres_url)
    (tmp_path / "data").mkdir()
    try:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            database = databases.fresh(tmp_path / "data")
            with connected_to(database):
                yield database
    finally:
        databases.drop()


class Machines:
    """``manage.py supervisor --role …`` processes sharing one database and Redis; all stopped at the end."""

    def __init__(self, database: QueueDatabase):
        self.database = database
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, *args: str, **env: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.database.data_dir / f"machine-{len(self.started)}.log"
        env = {"REDIS_URL": REDIS_DB_URL, "STEWARD_LOG_LEVEL": "WARNING"} | env
        with log.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "supervisor", *args],
                cwd=REPO_ROOT,
                env=self.database.env(**env),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((process, log))
        return process, log

    def stop_all(self) -> None:
        for process, _ in self.started:
            stop_process(process, grace_s=30)


@pytest.fixture
def machines(pg_db: QueueDatabase) -> Iterator[Machines]:
    yield from stopped_at_the_end(Machines(pg_db))


def children_kinds(pid: int) -> list[str]:
    return sorted(
        "web" if "daphne" in command_line(c) or process_name(c) == "steward-web" else "worker"
        for c in child_pids(pid)
    )


@pg
@pytest.mark.slow
@pytest.mark.redis
def test_one_web_and_two_worker_machines_run_a_pipeline_and_one_scheduler(machines: Machines, free_port: int):
    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(
        integration=integration,
        name="items",
        options={"count": 20},
        classifications={},
        automations=[{"when": {"n": "> 0"}, "then": {"tag": "seen"}}],
    )
    web, web_log = machines.start("--role", "web", "--port", str(free_port))
    url = f"http://127.0.0.1:{free_port}"
    wait_until(lambda: healthy(url) or web.poll() is not None, timeout=60, interval=0.3, what="the web role")
    assert web.poll() is None, web_log.read_text()
    workers = [machines.start("--role", "workers")[0] for _ in range(2)]
    wait_until(lambda: all(len(child_pids(w.pid)) == 1 for w in workers), timeout=30, what="the workers")

    assert children_kinds(web.pid) == ["web"]
    assert all(children_kinds(w.pid) == ["worker"] for w in workers)

    answer = httpx.post(f"{url}/integrations/dummy.one/run", timeout=10)
    assert answer.status_code == 200, answer.text
    run = wait_for_the_run(timeout=120, what="the run")
    assert run.status == "done"
    assert not Task.objects.exclude(status="done").exists()
    # Every task ran in a process of a worker machine, none in the web machine.
    assert {claimer.rsplit(":", 1)[1] for claimer in _claimers()} <= _worker_pids(workers)

    wait_until(lambda: ServiceLease.objects.filter(name="scheduler").exists(), timeout=60, what="a scheduler")
    assert ServiceLease.objects.filter(name="scheduler").count() == 1


def _claimers() -> set[str]:
    return set(Task.objects.values_list("claimed_by", flat=True))


def _worker_pids(workers: list[subprocess.Popen[bytes]]) -> set[str]:
    from orchestrator.supervision import session_pids

    return {str(pid) for w in workers for child in child_pids(w.pid) for pid in session_pids(child)}


def refusal(machines: Machines, *args: str, **env: str) -> str:
    process, log = machines.start(*args, **env)
    code = process.wait(timeout=60)
    assert code != 0
    assert not child_pids(process.pid)
    return log.read_text()


@pg
@pytest.mark.slow
def test_a_wrong_database_url_is_named_at_start_and_nothing_starts(machines: Machines, pg_db: QueueDatabase):
    out = refusal(
        machines, "--role", "workers", DATABASE_URL="postgres://steward:hunter2@127.0.0.1:1/steward"
    )
    assert (
        "Cannot connect to the PostgreSQL at postgres://steward:***@127.0.0.1:1/steward (DATABASE_URL)" in out
    )
    assert "hunter2" not in out


@pg
@pytest.mark.slow
@pytest.mark.redis
def test_a_wrong_redis_url_is_named_at_start(machines: Machines):
    out = refusal(machines, "--role", "workers", REDIS_URL="redis://127.0.0.1:1/0")
    assert "Cannot reach Redis at redis://127.0.0.1:1/0 (REDIS_URL)" in out


@pg
@pytest.mark.slow
def test_workers_refuse_a_database_a_newer_steward_migrated(machines: Machines, pg_db: QueueDatabase):
    assert pg_db.url is not None
    with psycopg.connect(pg_db.url.replace("postgres://", "postgresql://"), autocommit=True) as raw:
        raw.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('orchestrator', '0099_from_the_future', now())"
        )
    out = refusal(machines, "--role", "workers")
    assert "was migrated by a newer Steward" in out
    assert "orchestrator.0099_from_the_future" in out
