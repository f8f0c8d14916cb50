"""The ``doctor`` check registry. Each part of Steward registers its own checks here.

A check is a function returning a :class:`CheckResult` (or a list of them, one per configured
thing such as each LLM profile). It must not raise for an expected failure — it reports it — and must
finish within a few seconds (use client-side timeouts). Integration types declare theirs in their
``IntegrationType.checks``; :func:`check_integrations` runs them for each enabled integration.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from integrations import registry
from integrations.base import CheckResult

__all__ = ["CheckResult", "doctor_check", "run_checks"]

CheckFunc = Callable[[], CheckResult | Iterable[CheckResult]]
_checks: list[tuple[str, CheckFunc]] = []


def doctor_check(name: str) -> Callable[[CheckFunc], CheckFunc]:
    def register(func: CheckFunc) -> CheckFunc:
        _checks.append((name, func))
        return func

    return register


def run_checks() -> list[CheckResult]:
    results: list[CheckResult] = []
    for name, func in _checks:
        try:
            outcome = func()
        except Exception as exc:  # a crashing check is a failed check, not a crashed doctor
            results.append(CheckResult(name, False, f"check crashed: {type(exc).__name__}: {exc}"))
            continue
        results.extend([outcome] if isinstance(outcome, CheckResult) else outcome)
    return results


@doctor_check("database")
def check_database() -> CheckResult:
    vendor = connection.vendor
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return CheckResult("database", False, f"{vendor} unreachable: {exc}")
    if pending:
        return CheckResult(
            "database", False, f"{len(pending)} migration(s) pending: run `python manage.py migrate`"
        )
    return CheckResult("database", True, f"{vendor} reachable and migrated")


@doctor_check("worker")
def check_worker() -> list[CheckResult]:
    from orchestrator.queue.maintenance import live_workers

    try:
        workers = live_workers(settings.HEARTBEAT_FRESH_S)
    except DatabaseError as exc:
        return [CheckResult("worker", False, f"cannot read heartbeats: {exc}")]
    clusters = {w.cluster for w in workers}
    results = []
    for cluster in ("default",):  # one cluster serves every priority (orchestrator/queue/broker.py)
        if cluster in clusters:
            results.append(CheckResult(f"worker:{cluster}", True, "heartbeat within the last minute"))
        else:
            results.append(
                CheckResult(
                    f"worker:{cluster}",
                    False,
                    "no heartbeat in the last minute: start `python manage.py supervisor`",
                )
            )
    return results


def _writable(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    probe = path / f".doctor-{os.getpid()}"
    probe.write_text("ok")
    probe.unlink()
    return True


@doctor_check("directories")
def check_directories() -> list[CheckResult]:
    from orchestrator.mirrors import mirror_directories

    results = []
    named = {"data": Path(settings.DATA_DIR), **mirror_directories()}
    for label, path in named.items():
        try:
            _writable(path)
            results.append(CheckResult(f"directory:{label}", True, f"{path} is writable"))
        except OSError as exc:
            results.append(CheckResult(f"directory:{label}", False, f"{path} is not writable: {exc}"))
    return results


@doctor_check("llm")
def check_llm() -> list[CheckResult]:
    from orchestrator.llm.checks import check_llm_profiles

    return check_llm_profiles()


@doctor_check("integrations")
def check_integrations() -> list[CheckResult]:
    """Each enabled integration's declared checks; one that raises is a failed check naming it."""
    from orchestrator.actions.services import ServiceContext
    from orchestrator.models import Integration

    results: list[CheckResult] = []
    known = registry.type_names()
    for integration in Integration.objects.filter(enabled=True).order_by("type", "name"):
        if integration.type not in known:
            continue
        ctx = ServiceContext.of(integration)
        for check in registry.get(integration.type).checks:
            try:
                outcome = check.run(ctx)
                results.extend([outcome] if isinstance(outcome, CheckResult) else list(outcome))
            except Exception as exc:  # a plugin's bug must not hide the other checks
                results.append(
                    CheckResult(
                        f"{integration.integration_id}:{check.name}",
                        False,
                        f"check {check.name!r} of plugin type {integration.type!r} crashed: "
                        f"{type(exc).__name__}: {exc}",
                    )
                )
    return results


@doctor_check("wake-ups")
def check_wakeups() -> CheckResult:
    """Chat turns and runs start at a ring; without one they wait for the poll (docs/ARCHITECTURE.md)."""
    from orchestrator.doorbell import FALLBACK_POLL_S, doorbell_probe

    ok, found = doorbell_probe()
    if ok:
        return CheckResult("wake-ups", True, found)
    return CheckResult(
        "wake-ups",
        False,
        f"wake-ups unavailable ({found}): workers and chat poll every {FALLBACK_POLL_S}s instead; "
        "check that the database directory is writable (Unix sockets in wake/ beside it) or that "
        "REDIS_URL answers",
        warning=True,
    )


@doctor_check("topology")
def check_topology() -> list[CheckResult]:
    """Each role's view of the shared services: what a web, a workers and an all-in-one machine
    would find if started now (orchestrator/topology.py), the worker machines alive, the scheduler."""
    from orchestrator.queue.maintenance import live_workers
    from orchestrator.queue.scheduler_lease import SCHEDULER, lease_holder
    from orchestrator.topology import (
        ROLES,
        TopologyError,
        database_label,
        redis_reachable,
        schema_compatible,
        schema_state,
    )

    results: list[CheckResult] = []
    try:
        redis_reachable()
    except TopologyError as exc:
        results.append(CheckResult("topology:redis", False, str(exc)))
    else:
        if settings.REDIS_URL:
            results.append(CheckResult("topology:redis", True, "reachable: websockets and throttling shared"))
        elif settings.DATABASE_URL:
            results.append(
                CheckResult(
                    "topology:redis",
                    False,
                    "REDIS_URL is unset on PostgreSQL: several web processes will not share websockets "
                    "or login throttling (docs/DEPLOY.md)",
                    warning=True,
                )
            )
    try:
        state = schema_state()
    except DatabaseError as exc:
        return [*results, CheckResult("topology:roles", False, f"cannot read the schema: {exc}")]
    for role in ROLES:
        try:
            schema_compatible(role, state)
        except TopologyError as exc:
            results.append(CheckResult(f"topology:{role}", False, str(exc)))
        else:
            note = " (would apply pending migrations)" if state.unapplied and role != "workers" else ""
            results.append(
                CheckResult(f"topology:{role}", True, f"could start on the {database_label()}{note}")
            )
    try:
        hosts = sorted({f"{w.host} ({w.cluster})" for w in live_workers(settings.HEARTBEAT_FRESH_S)})
        holder = lease_holder(SCHEDULER)
    except DatabaseError as exc:
        return [*results, CheckResult("topology:worker-machines", False, f"cannot read heartbeats: {exc}")]
    results.append(
        CheckResult(
            "topology:worker-machines",
            bool(hosts),
            f"live: {', '.join(hosts)}" if hosts else "no worker machine has a fresh heartbeat",
            warning=not hosts,  # the worker check above already fails for this
        )
    )
    results.append(
        CheckResult(
            "topology:scheduler",
            holder is not None,
            f"held by {holder.holder}" if holder else "no default cluster holds the scheduler lease",
            warning=holder is None,
        )
    )
    return results
