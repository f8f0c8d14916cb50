"""One store session per act task, shared by all the actions the task runs.

The act stage calls each action separately with the same context object for the whole batch.
Keyed on that object, the first action opens the session and later ones reuse it; it is closed
when the context is garbage-collected (at the end of the task) — one IMAP login per batch
instead of one per action. A session that fails with a transient error is dropped, so the
retry starts afresh. The session also remembers where this task moved each message, so
``then: [archive, mark_read]`` finds the message in the archive.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from integrations.base import IntegrationError, PlatformContext
from integrations.email.config import context_settings
from integrations.email.store import MailStore, Uid, local_errors, open_store


@dataclass
class ActSession:
    store: MailStore
    moved: dict[str, tuple[str, Uid | None]] = field(default_factory=dict)  # identity → (folder, uid)


_pool: dict[int, ActSession] = {}


def _discard(key: int) -> None:
    session = _pool.pop(key, None)
    if session is not None:
        session.store.close()


def _pooled(ctx: PlatformContext) -> tuple[ActSession, bool]:
    key = id(ctx)
    session = _pool.get(key)
    if session is not None and getattr(session.store, "alive", True):
        return session, True
    session = ActSession(open_store(context_settings(ctx)))
    try:
        weakref.finalize(ctx, _discard, key)
    except TypeError:  # not weak-referenceable: a session for this call only
        return session, False
    _pool[key] = session
    return session, True


@contextmanager
def act_session(ctx: PlatformContext) -> Iterator[ActSession]:
    session, pooled = _pooled(ctx)
    try:
        with local_errors():
            yield session
    except IntegrationError as exc:
        if not exc.permanent and pooled:
            _discard(id(ctx))
        raise
    finally:
        if not pooled:
            session.store.close()


def close_all() -> None:
    """Close every pooled session (tests, shutdown)."""
    for key in list(_pool):
        _discard(key)
