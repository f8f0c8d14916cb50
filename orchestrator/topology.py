"""What one machine's role needs from the shared services, checked before anything starts.

``manage.py supervisor --role web|workers|all`` (docs/DEPLOY.md) refuses to start — never
half-started — when the database or Redis named by ``DATABASE_URL``/``REDIS_URL`` cannot be
reached, or when this code and the database disagree on the schema: a database migrated by a newer
Steward (migrations this code does not know), or one older than this code (migrations not applied).
Only the ``web`` and ``all`` roles migrate; a ``workers`` machine never changes the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

ROLES = ("all", "web", "workers")
MIGRATING_ROLES = ("all", "web")
REDIS_TIMEOUT_S = 3.0


class TopologyError(Exception):
    """This machine cannot start in its role; the message names what is wrong and what to do."""


def redacted(url: str) -> str:
    """*url* without its password, fit for an error message or a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def database_label() -> str:
    if settings.DATABASE_URL:
        return f"PostgreSQL at {redacted(settings.DATABASE_URL)} (DATABASE_URL)"
    return f"SQLite at {settings.DATABASES['default']['NAME']}"


def database_reachable() -> None:
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TopologyError(
            f"Cannot connect to the {database_label()}: {first_line}. "
            "Check the host, port, database name and credentials in DATABASE_URL."
        ) from None


def redis_reachable() -> None:
    if not settings.REDIS_URL:
        return
    import redis

    try:
        redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        ).ping()
    except (redis.RedisError, ValueError) as exc:
        raise TopologyError(
            f"Cannot reach Redis at {redacted(settings.REDIS_URL)} (REDIS_URL): {exc}. "
            "Check REDIS_URL, or unset it on a single machine."
        ) from None


@dataclass(frozen=True)
class SchemaState:
    """How this code's migrations compare with those applied to the database."""

    unapplied: list[str]  # in this code, not yet in the database
    unknown: list[str]  # in the database, not in this code (a newer Steward migrated it)
    applied_any: bool
    code_head: str
    database_head: str


def _label(key: tuple[str, str]) -> str:
    return f"{key[0]}.{key[1]}"


def schema_state() -> SchemaState:
    executor = MigrationExecutor(connection)
    loader = executor.loader
    applied = set(loader.applied_migrations)
    on_disk = set(loader.disk_migrations)
    plan = executor.migration_plan(loader.graph.leaf_nodes())
    ours = [key for key in loader.graph.leaf_nodes() if key[0] == "orchestrator"]
    applied_ours = sorted(key for key in applied if key[0] == "orchestrator")
    return SchemaState(
        unapplied=[_label((migration.app_label, migration.name)) for migration, _ in plan],
        unknown=sorted(_label(key) for key in applied - on_disk if key[0] in loader.migrated_apps),
        applied_any=bool(applied),
        code_head=_label(ours[0]) if ours else "none",
        database_head=_label(applied_ours[-1]) if applied_ours else "none",
    )


def schema_compatible(role: str, state: SchemaState) -> None:
    """Refuse a schema this role cannot work with; ``web``/``all`` may apply what is missing."""
    where = database_label()
    if state.unknown:
        raise TopologyError(
            f"The {where} was migrated by a newer Steward: it has {len(state.unknown)} migration(s) this "
            f"code does not know ({', '.join(state.unknown[:3])}). Database schema: {state.database_head}; "
            f"this code: {state.code_head}. Upgrade this machine to the version the others run."
        )
    if role in MIGRATING_ROLES or not state.unapplied:
        return
    if not state.applied_any:
        raise TopologyError(
            f"The {where} has no Steward schema. Start the web role first (it migrates), or run "
            "`python manage.py migrate`, then start the workers."
        )
    raise TopologyError(
        f"The {where} has an older schema than this code: {len(state.unapplied)} migration(s) not applied "
        f"(database schema: {state.database_head}; this code: {state.code_head}). Upgrade the web machine "
        "(it migrates at start) or run `python manage.py migrate`, then start the workers."
    )


def topology_check(role: str) -> SchemaState:
    """Everything *role* needs before a child starts; raises :class:`TopologyError` otherwise."""
    if role not in ROLES:
        raise TopologyError(f"--role {role!r} is not one of {', '.join(ROLES)}")
    database_reachable()
    redis_reachable()
    try:
        state = schema_state()
    except DatabaseError as exc:
        raise TopologyError(f"Cannot read the migrations of the {database_label()}: {exc}") from None
    schema_compatible(role, state)
    return state
