"""PostgreSQL drops the workers' connections mid-run (``pg_terminate_backend``, as a restart or a
failover does): the workers reconnect and the run completes, nothing lost or done twice."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection

from orchestrator.running.triggers import integration_trigger
from tests.fault.outcomes import assert_audit_chain_intact, assert_processed_once, effects_in
from tests.fault.tagged_run import configure_tagging
from tests.queue.databases import QueueDatabase
from tests.queue.processes import Clusters, wait_for_the_run, wait_until
from tests.queue.test_workers import start_and_wait

ITEMS = 60


def terminate_other_backends(url: str) -> int:
    """Kill every connection to the test database except this one; returns how many."""
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@pytest.mark.postgres
def test_workers_reconnect_after_postgres_kills_their_connections_mid_run(
    queue_db: QueueDatabase, clusters: Clusters
):
    if queue_db.url is None:
        pytest.skip("PostgreSQL only: SQLite has no server connections to kill")
    configure_tagging(ITEMS)
    start_and_wait(clusters, "default", STEWARD_LOG_LEVEL="WARNING")
    integration_trigger("dummy.one")
    wait_until(lambda: len(effects_in(queue_db.data_dir)) >= 5, timeout=60, what="the first actions")

    killed = 0
    for _ in range(6):  # three seconds of repeated connection loss while the run is busy
        killed += terminate_other_backends(queue_db.url)
        time.sleep(0.5)
    assert killed >= 2
    connection.close()  # this test's own connection was among those killed

    assert wait_for_the_run(timeout=120, what="the run to finish").status == "done"
    assert_processed_once(queue_db.data_dir, ITEMS)
    assert_audit_chain_intact()
