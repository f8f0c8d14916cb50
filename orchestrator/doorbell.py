"""Wake-ups between Steward's processes: "look now" instead of "look every 100 ms".

A *topic* names who listens (``queue.interactive``, ``queue.default``, ``chat``,
``llm.<profile>``); a ring carries a short text (a conversation id) or nothing. Ringing is best
effort and never raises: the database stays the truth, and every listener keeps a slow safety-net
poll (:func:`safety_poll_s`), so a lost ring only delays work, never loses it. Two transports:

* the embedded default — a Unix datagram socket per listening process in ``wake/`` beside the
  SQLite file (``<topic>.<pid>-<n>.sock``, :func:`_wake_dir`); a ring is one ``sendto`` to each
  socket of the topic. A socket whose process is gone is removed by the next ring; a listener
  whose socket file was removed binds a new one at its next safety-net wake.
* with ``REDIS_URL`` — Redis pub/sub, channel ``steward.wake.<topic>``, so it reaches other hosts.

When neither works (a read-only directory, Redis down) listeners say so in ``doctor`` and poll at
the old short interval (:data:`FALLBACK_POLL_S`).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import select
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from orchestrator.environment import env_str

logger = logging.getLogger(__name__)

WAKE_DIR = "wake"
REDIS_PREFIX = "steward.wake."
FALLBACK_POLL_S = 0.1
SAFETY_POLL_S = 2.0
MAX_RING_BYTES = 256


def safety_poll_s() -> float:
    """How often a listener with a working doorbell looks anyway (``STEWARD_WAKE_SAFETY_POLL_S``)."""
    raw = env_str("STEWARD_WAKE_SAFETY_POLL_S")
    try:
        return float(raw) if raw else SAFETY_POLL_S
    except ValueError:
        return SAFETY_POLL_S


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _redis_url() -> str:
    return str(getattr(settings, "REDIS_URL", "") or "")


def _wake_dir() -> Path:
    """Where the sockets live: found by every process that shares the database.

    SQLite: beside the database file (all its users are on this machine). Another database: a
    directory in the temporary dir named after it (its users on this machine meet there; other
    machines need ``REDIS_URL``).
    """
    db = settings.DATABASES["default"]
    name = str(db.get("NAME") or "")
    if db["ENGINE"] == "django.db.backends.sqlite3" and name and not name.startswith(("file:", ":memory:")):
        return Path(name).resolve().parent / WAKE_DIR
    identity = f"{db['ENGINE']}|{db.get('HOST', '')}|{db.get('PORT', '')}|{name}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"steward-{WAKE_DIR}-{os.getuid()}-{digest}"


_listeners = itertools.count(1)


def _socket_path(topic: str) -> Path:
    # One socket per listener: several threads of one process may listen to the same topic.
    return _wake_dir() / f"{topic}.{os.getpid()}-{next(_listeners)}.sock"


def ring(topic: str, text: str = "") -> None:
    """Wake every listener of *topic* (now; see :func:`ring_on_commit` inside a transaction)."""
    data = text.encode()[:MAX_RING_BYTES] or b"."  # a ring is never empty: listeners count them
    try:
        if _redis_url():
            _redis_client().publish(REDIS_PREFIX + topic, data)
            return
        _ring_sockets(topic, data)
    except Exception:  # a wake is an optimisation: the listener's safety-net poll still finds it
        logger.debug("could not ring %s", topic, exc_info=True)


def ring_on_commit(topic: str, text: str = "") -> None:
    """Ring once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: ring(topic, text))


def _ring_sockets(topic: str, data: bytes) -> None:
    paths = list(_wake_dir().glob(f"{topic}.*.sock"))
    if not paths:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for path in paths:
            try:
                sender.sendto(data, str(path))
            except (ConnectionRefusedError, FileNotFoundError):  # its process is gone
                with contextlib.suppress(OSError):
                    path.unlink()
            except BlockingIOError:  # its queue is full: it is awake already
                pass
            except OSError:
                logger.debug("could not ring %s", path, exc_info=True)


_redis: Any = None


def _redis_client() -> Any:
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(_redis_url(), socket_timeout=1, socket_connect_timeout=1)
    return _redis


class Doorbell:
    """One process's listener for *topic*. ``wait()`` blocks; ``fileno()`` serves an event loop.

    ``working`` is False when the transport could not be opened: callers then poll at
    :data:`FALLBACK_POLL_S` (:meth:`poll_s` says which interval applies).
    """

    def __init__(self, topic: str):
        self.topic = topic
        self.error = ""
        self._sock: socket.socket | None = None
        self._pubsub: Any = None
        self._path: Path | None = None
        self._open()

    @property
    def working(self) -> bool:
        return self._sock is not None or self._pubsub is not None

    def intact(self) -> bool:
        """Open, and (Unix sockets) its socket file still there."""
        if self._sock is not None:
            return self._path is not None and self._path.exists()
        return self._pubsub is not None

    def poll_s(self) -> float:
        return safety_poll_s() if self.working else FALLBACK_POLL_S

    def _open(self) -> None:
        self.close()
        try:
            if _redis_url():
                pubsub = _redis_client().pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(REDIS_PREFIX + self.topic)
                self._pubsub = pubsub
            else:
                path = _socket_path(self.topic)
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                try:
                    sock.bind(str(path))
                except OSError:
                    sock.close()
                    raise
                sock.setblocking(False)
                self._sock, self._path = sock, path
            self.error = ""
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            logger.warning(
                "wake-ups for %s unavailable (%s); polling every %ss", self.topic, exc, FALLBACK_POLL_S
            )

    def fileno(self) -> int | None:
        return self._sock.fileno() if self._sock is not None else None

    def drain(self) -> list[str]:
        """The rings waiting now (texts), without blocking."""
        texts: list[str] = []
        if self._sock is not None:
            while True:
                try:
                    texts.append(self._sock.recv(MAX_RING_BYTES).decode(errors="replace").strip("."))
                except (BlockingIOError, OSError):
                    break
        elif self._pubsub is not None:
            try:
                while (message := self._pubsub.get_message(timeout=0)) is not None:
                    texts.append(bytes(message.get("data") or b"").decode(errors="replace"))
            except Exception:
                self._lost()
        return texts

    def wait(self, timeout: float | None = None) -> list[str]:
        """Block until a ring or *timeout* (default :meth:`poll_s`); the rings' texts ([] on timeout)."""
        timeout = self.poll_s() if timeout is None else timeout
        if self._sock is not None:
            ready, _, _ = select.select([self._sock], [], [], timeout)
            if ready:
                return self.drain()
            self.heal()
            return []
        if self._pubsub is not None:
            # get_message() answers None at once when what it read was the (ignored) subscribe
            # confirmation, so keep reading until a ring or the deadline.
            deadline = time.monotonic() + timeout
            try:
                while (
                    message := self._pubsub.get_message(timeout=max(0.0, deadline - time.monotonic()))
                ) is None:
                    if time.monotonic() >= deadline:
                        return []
            except Exception:
                self._lost()
                return []
            return [bytes(message.get("data") or b"").decode(errors="replace"), *self.drain()]
        select.select([], [], [], timeout)
        self.heal()
        return []

    def heal(self) -> None:
        """Re-open when the transport went away (socket file removed, Redis back, …)."""
        if not self.intact():
            self._open()

    def _lost(self) -> None:
        logger.warning("wake-ups for %s lost; polling until they are back", self.topic, exc_info=True)
        self.close()
        self.error = "connection lost"

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._path is not None:
            with contextlib.suppress(OSError):
                self._path.unlink()
            self._path = None
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                self._pubsub.close()
            self._pubsub = None


def doorbell_probe() -> tuple[bool, str]:
    """Can this machine ring and listen? (ok, what was found) — for ``doctor``."""
    bell = Doorbell("doctor")
    try:
        if not bell.working:
            return False, bell.error
        ring("doctor", "probe")
        heard = bell.wait(2.0)
        if heard != ["probe"]:
            return False, "a ring sent to this process did not arrive within 2 s"
        return True, "Redis pub/sub" if _redis_url() else f"Unix sockets in {_wake_dir()}"
    finally:
        bell.close()
