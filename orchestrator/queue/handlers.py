"""Task type → handler registry.

The task handler contract: a handler is a plain function ``handler(task: Task) -> dict | None``
registered with :func:`task_handler`. It reads its input from ``task.payload``, does its work, may
enqueue follow-up tasks, and returns a JSON-serialisable result (stored on the task). To fail, it
raises an exception carrying ``permanent`` (e.g. ``IntegrationError``): permanent failures (bad
configuration, invalid input) fail at once; others are retried with backoff until ``max_attempts``.
Exceptions without that attribute are judged by type (network errors are transient, anything else
is a bug and permanent). A handler must finish within its declared ``max_runtime_s``.

Task types that follow a pattern (the pipeline's ``{type}.{platform}.{stage}``) are served by a
*resolver*: a function from a task type to a :class:`HandlerSpec`, or ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from orchestrator.models import Task

Handler = Callable[["Task"], dict[str, Any] | None]


@dataclass(frozen=True)
class HandlerSpec:
    task_type: str
    func: Handler
    max_runtime_s: int = 300
    max_attempts: int = 3


class UnknownTaskType(LookupError):
    pass


_handlers: dict[str, HandlerSpec] = {}
_resolvers: list[Callable[[str], HandlerSpec | None]] = []


def task_handler(
    task_type: str, *, max_runtime_s: int = 300, max_attempts: int = 3
) -> Callable[[Handler], Handler]:
    if max_runtime_s > settings.TASK_MAX_RUNTIME_S:
        raise ValueError(f"{task_type}: max_runtime_s exceeds TASK_MAX_RUNTIME_S")

    def register(func: Handler) -> Handler:
        _handlers[task_type] = HandlerSpec(task_type, func, max_runtime_s, max_attempts)
        return func

    return register


def add_resolver(resolver: Callable[[str], HandlerSpec | None]) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def resolve(task_type: str) -> HandlerSpec:
    spec = _handlers.get(task_type)
    if spec is not None:
        return spec
    for resolver in _resolvers:
        spec = resolver(task_type)
        if spec is not None:
            return spec
    raise UnknownTaskType(f"No handler for task type {task_type!r}")
