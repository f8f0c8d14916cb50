"""Who is sending, for the outbound seams that record egress (LLM transport, GuardedTransport).

Callers that know the item, integration or purpose wrap the work in :func:`egress_scope`; nested
scopes add to (and override) the outer one. A context variable, so threads and tasks don't mix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class EgressScope:
    purpose: str = ""
    item_id: int | None = None
    integration_id: str = ""
    llm_profile: str = ""
    fields: tuple[str, ...] = ()  # what the request carries, by name; empty = derive from the body
    redactions: Mapping[str, int] = field(default_factory=dict)
    carries_data: bool = True  # False for probes (doctor) that send nothing of the person's


_SCOPE: ContextVar[EgressScope] = ContextVar("egress_scope", default=EgressScope())  # noqa: B039 - frozen


def current_scope() -> EgressScope:
    return _SCOPE.get()


@contextmanager
def egress_scope(**changes: Any) -> Iterator[EgressScope]:
    """Run the block with the current scope updated by *changes* (fields of :class:`EgressScope`)."""
    scope = replace(_SCOPE.get(), **changes)
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)
