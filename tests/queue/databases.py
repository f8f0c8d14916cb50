"""File databases the queue tests share with real worker processes.

Each test gets a migrated database of its own (a copy of a session template for SQLite, a
truncated session database on PostgreSQL) and points this process's ORM at it, so the test can
enqueue and inspect with the same code the workers run, while the workers are subprocesses.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

SQLITE_NAME = "steward.sqlite3"
WIPED_TABLE_PREFIXES = ("orchestrator_", "django_q_", "chat_")


@dataclass
class QueueDatabase:
    """One test's database: its data dir (keys, logs) and, for PostgreSQL, its URL."""

    data_dir: Path
    url: str | None = None

    @property
    def vendor(self) -> str:
        return "postgresql" if self.url else "sqlite"

    def settings_dict(self, base: dict[str, Any]) -> dict[str, Any]:
        if self.url is None:
            sqlite = base if base["ENGINE"].endswith("sqlite3") else _sqlite_settings()
            return {**base, **sqlite, "NAME": str(self.data_dir / SQLITE_NAME)}
        parsed = dj_database_url.parse(self.url)
        return {**base, **parsed, "OPTIONS": parsed.get("OPTIONS", {}), "CONN_MAX_AGE": 0}

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a subprocess that should see this database (explicit, not inherited)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STEWARD_", "Q_CLUSTER"))}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env |= {
            "DJANGO_SETTINGS_MODULE": "orchestrator.settings",
            "STEWARD_DATA_DIR": str(self.data_dir),
            "STEWARD_PLUGINS": "tests.plugins.dummy",
            "STEWARD_TIME_ZONE": "UTC",
            "PYTHONUNBUFFERED": "1",
            "PYTHONFAULTHANDLER": "1",  # stacks on SIGABRT, should a process hang at shutdown
        }
        if self.url:
            env["DATABASE_URL"] = self.url
        return env | extra


def _sqlite_settings() -> dict[str, Any]:
    """The embedded database's settings, for a SQLite test database in a PostgreSQL suite run."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "HOST": "",
        "PORT": "",
        "USER": "",
        "PASSWORD": "",
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        },
    }


@contextmanager
def connected_to(database: QueueDatabase) -> Iterator[None]:
    """Point this process's ``default`` database — in every thread — at *database*."""
    saved_settings = connections.settings[DEFAULT_DB_ALIAS]
    saved_connection = connections[DEFAULT_DB_ALIAS]
    # The workers sharing this database run without Redis (env()), so this process must ring
    # their doorbells the same way: not over Redis, even under `make test-scale`.
    saved_redis = getattr(settings, "REDIS_URL", None)
    settings.REDIS_URL = None
    connections.settings[DEFAULT_DB_ALIAS] = database.settings_dict(saved_settings)
    connections[DEFAULT_DB_ALIAS] = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        connections.settings[DEFAULT_DB_ALIAS] = saved_settings
        connections[DEFAULT_DB_ALIAS] = saved_connection
        settings.REDIS_URL = saved_redis


def migrate_here() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def sqlite_template(directory: Path) -> Path:
    """A migrated SQLite database file, checkpointed so that copying the one file is enough."""
    database = QueueDatabase(directory)
    with connected_to(database):
        migrate_here()
    path = directory / SQLITE_NAME
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def sqlite_copy(template: Path, data_dir: Path) -> QueueDatabase:
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, data_dir / SQLITE_NAME)
    return QueueDatabase(data_dir)


class PostgresDatabases:
    """Creates ``steward_test_<random>`` on first use in a session, migrated; drops it at the end."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.url: str | None = None

    def _admin(self) -> psycopg.Connection[Any]:
        parsed = dj_database_url.parse(self.server_url)
        return psycopg.connect(
            host=parsed["HOST"],
            port=parsed["PORT"],
            user=parsed["USER"],
            dbname=parsed["NAME"],
            autocommit=True,
        )

    def fresh(self, data_dir: Path) -> QueueDatabase:
        """The session database with every Steward and Django-Q2 row removed."""
        if self.url is None:
            name = f"steward_test_{secrets.token_hex(4)}"
            with self._admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            self.url = self.server_url.rsplit("/", 1)[0] + f"/{name}"
            with connected_to(QueueDatabase(data_dir, self.url)):
                migrate_here()
        database = QueueDatabase(data_dir, self.url)
        with connected_to(database):
            tables = [t for t in connection.introspection.table_names() if t.startswith(WIPED_TABLE_PREFIXES)]
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        return database

    def drop(self) -> None:
        if self.url is None:
            return
        name = self.url.rsplit("/", 1)[1]
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.url = None
