"""Racing requests: the same call from several threads, released together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def all_at_once(call: Callable[[], T], *, threads: int = 5, timeout: float = 30) -> list[T]:
    """Run *call* in *threads* threads that a barrier releases together; the results of those that
    returned (a call that raised leaves its result out, so the test's count assertion catches it)."""
    from django.db import connection

    barrier = threading.Barrier(threads)
    results: list[T] = []

    def race() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(call())
        finally:
            connection.close()  # each thread's own database connection, if the call opened one

    started = [threading.Thread(target=race) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=timeout)
    return results
