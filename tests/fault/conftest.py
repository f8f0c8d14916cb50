"""Fault-injection tests (marker ``fault``, ``make test-fault``): real processes, a real fault, then
assertions on the ledger, the audit chain and the items — never only "no exception"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.queue.conftest import clusters, postgres_databases, queue_db, sqlite_db, sqlite_template_file
from tests.queue.databases import QueueDatabase
from tests.queue.processes import Clusters

__all__ = ["clusters", "postgres_databases", "queue_db", "sqlite_db", "sqlite_template_file"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fault/" in str(item.fspath):
            item.add_marker(pytest.mark.fault)
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def workers(sqlite_db: QueueDatabase) -> Iterator[Clusters]:
    """Worker clusters on this test's SQLite database, all stopped at the end."""
    started = Clusters(sqlite_db)
    try:
        yield started
    finally:
        started.stop_all()
