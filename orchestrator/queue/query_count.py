"""Counting ORM queries inside the worker processes, for ``bench/email_pipeline.py``.

Off unless ``STEWARD_QUERY_COUNT_DIR`` names a directory. Then every database connection this
process opens counts its queries, and after each task (and each claim) the process rewrites
``<dir>/<pid>.json`` with its totals by task type — so a bench run sums what every pusher and
worker spent, claims and heartbeats included, without a query log.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created

ENV = "STEWARD_QUERY_COUNT_DIR"
FLUSH_EVERY_S = 0.5

_lock = threading.Lock()
_total = 0
_by_type: dict[str, list[int]] = {}  # task type → [tasks, queries]
_last_flush = 0.0


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def _count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    global _total
    with _lock:
        _total += 1
    return execute(sql, params, many, context)


def _instrument(connection: Any) -> None:
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


def _on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    _instrument(connection)


def install() -> None:
    """Count from now on, on every connection of this process (a no-op unless enabled)."""
    if not enabled():
        return
    connection_created.connect(_on_connection, dispatch_uid="steward-query-count")
    for connection in connections.all(initialized_only=True):
        _instrument(connection)


def total() -> int:
    return _total


def task_counted(task_type: str, queries: int) -> None:
    """One task of *task_type* ran *queries* queries (its handler and its bookkeeping)."""
    if not enabled():
        return
    with _lock:
        entry = _by_type.setdefault(task_type, [0, 0])
        entry[0] += 1
        entry[1] += queries
    flush(force=True)


def flush(*, force: bool = False) -> None:
    global _last_flush
    if not enabled():
        return
    now = time.monotonic()
    if not force and now - _last_flush < FLUSH_EVERY_S:
        return
    _last_flush = now
    with _lock:
        data = {"total": _total, "by_type": {k: list(v) for k, v in _by_type.items()}}
    path = Path(os.environ[ENV]) / f"{os.getpid()}.json"
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(data))
    scratch.replace(path)


install()
