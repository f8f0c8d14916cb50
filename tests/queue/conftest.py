"""Fixtures of the queue tests: a real database per test (SQLite file or PostgreSQL), worker
processes that are always cleaned up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.queue.databases import PostgresDatabases, QueueDatabase, connected_to, sqlite_copy, sqlite_template
from tests.queue.processes import Clusters, stopped_at_the_end


@pytest.fixture(scope="session")
def sqlite_template_file(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: object) -> Path:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        return sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    from tests.conftest import POSTGRES_URL

    databases = PostgresDatabases(POSTGRES_URL)
    yield databases
    databases.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def queue_db(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template_file: Path,
    postgres_databases: PostgresDatabases,
    django_db_blocker: object,
) -> Iterator[QueueDatabase]:
    """A migrated, empty database this process and worker subprocesses share, for one test."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_url")  # skips, or fails under STEWARD_REQUIRE_SERVICES=1
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            database = postgres_databases.fresh(tmp_path)
    else:
        database = sqlite_copy(sqlite_template_file, tmp_path)
    with django_db_blocker.unblock(), connected_to(database):  # type: ignore[attr-defined]
        yield database


@pytest.fixture
def sqlite_db(
    tmp_path: Path, sqlite_template_file: Path, django_db_blocker: object
) -> Iterator[QueueDatabase]:
    """Like ``queue_db``, SQLite only."""
    database = sqlite_copy(sqlite_template_file, tmp_path)
    with django_db_blocker.unblock(), connected_to(database):  # type: ignore[attr-defined]
        yield database


@pytest.fixture
def clusters(queue_db: QueueDatabase) -> Iterator[Clusters]:
    yield from stopped_at_the_end(Clusters(queue_db))
