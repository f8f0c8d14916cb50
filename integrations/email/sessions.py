"""IMAP sessions kept between tasks, and one store session per act task.

**Between tasks.** A run is a check, collect batches and act batches, each its own task, often in
the same worker process one after the other. :func:`pooled_store` hands a task the IMAP session a
previous task of this process left for the same mailbox (after a NOOP; the next SELECT and LIST
read afresh) instead of logging in again, and takes it back when the task ends well. Sessions
idle for :data:`IDLE_S` are logged out by a reaper thread that exits when none is left; a session
that failed is closed, never kept. One login per worker process per run, not one per task.

**Within an act task.** The act stage calls each action separately with the same context object
for the whole batch. Keyed on that object, the first action takes a session and later ones reuse
it; it goes back to the pool when the context is garbage-collected (at the end of the task). A
session that fails with a transient error is dropped, so the retry starts afresh. The session also
remembers where this task moved each message, so ``then: [archive, mark_read]`` finds the message
in the archive.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from integrations.base import IntegrationError, PlatformContext
from integrations.email.config import MailSettings, context_settings
from integrations.email.store import MailStore, Uid, local_errors, open_store

IDLE_S = 30.0

_idle: dict[tuple[str, str], tuple[MailStore, float]] = {}  # mailbox → (session, when it came back)
_idle_lock = threading.Lock()
_reaper: threading.Thread | None = None


def _key(settings: MailSettings) -> tuple[str, str]:
    return repr(settings), settings.password  # the password is not in the repr


def _take(settings: MailSettings) -> MailStore:
    """A kept session for *settings* that still answers, or a new one."""
    with _idle_lock:
        kept = _idle.pop(_key(settings), None)
    if kept is not None:
        reuse = getattr(kept[0], "reuse", None)
        if reuse is not None and reuse():
            return kept[0]
        kept[0].close()
    return open_store(settings)


def _give_back(settings: MailSettings, store: MailStore) -> None:
    """Keep an IMAP session that ended well for the next task (a Maildir has nothing to keep)."""
    global _reaper
    if store.kind != "imap" or not getattr(store, "alive", False):
        store.close()
        return
    with _idle_lock:
        older = _idle.pop(_key(settings), None)
        _idle[_key(settings)] = (store, time.monotonic())
        if _reaper is None:
            _reaper = threading.Thread(target=_reap, name="imap-idle-reaper", daemon=True)
            _reaper.start()
    if older is not None:
        older[0].close()


def _reap() -> None:
    global _reaper
    while True:
        time.sleep(IDLE_S / 3)
        with _idle_lock:
            now = time.monotonic()
            stale = [_idle.pop(key)[0] for key, (_, since) in list(_idle.items()) if now - since >= IDLE_S]
            done = not _idle
            if done:
                _reaper = None
        for store in stale:
            store.close()
        if done:
            return


@contextmanager
def pooled_store(ctx: PlatformContext) -> Iterator[MailStore]:
    """One store for one task: a kept session when this process has one, kept again on success."""
    settings = context_settings(ctx)
    store = _take(settings)
    kept = False
    try:
        with local_errors():
            yield store
        kept = True
    finally:
        if kept:
            _give_back(settings, store)
        else:
            store.close()


@dataclass
class ActSession:
    store: MailStore
    settings: MailSettings
    moved: dict[str, tuple[str, Uid | None]] = field(default_factory=dict)  # identity → (folder, uid)


_pool: dict[int, ActSession] = {}


def _discard(key: int) -> None:
    session = _pool.pop(key, None)
    if session is not None:
        session.store.close()


def _finished(key: int) -> None:
    """The act task's context is gone: its session goes back for the next task."""
    session = _pool.pop(key, None)
    if session is not None:
        _give_back(session.settings, session.store)


def _pooled(ctx: PlatformContext) -> tuple[ActSession, bool]:
    key = id(ctx)
    session = _pool.get(key)
    if session is not None and getattr(session.store, "alive", True):
        return session, True
    settings = context_settings(ctx)
    session = ActSession(_take(settings), settings)
    try:
        weakref.finalize(ctx, _finished, key)
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
    """Close every pooled and kept session (tests, shutdown)."""
    for key in list(_pool):
        _discard(key)
    with _idle_lock:
        kept = [store for store, _ in _idle.values()]
        _idle.clear()
    for store in kept:
        store.close()
