"""The body of ``GET /integrations``, rendered once and kept until an integration changes.

The list is read on every poll of the UI and of scripts, and changes only when someone edits the
configuration, so the rendered JSON is cached in each web process. A save or delete of an
:class:`~orchestrator.models.Integration` or a :class:`~orchestrator.models.PlatformConfig`
invalidates it: in this process at once (Django signals, after the commit), and in every other
process on this machine through the mtime of a stamp file in the data directory that the writer
touches (``import_config`` runs in its own process). With ``DATABASE_URL`` the writers may be on
another machine, so there the cache also expires after :data:`SHARED_DB_TTL_S`.

:class:`IntegrationListShortcut` (an ASGI wrapper, ``orchestrator/asgi.py``) answers a plain
``GET /integrations`` from that cache on the event loop when no authentication is required: it
replays the status and headers Django's middleware produced for the last rendered list (security
headers included), so the answer is byte-for-byte Django's, without Django's per-request thread and
database connection. Anything else — exposed mode, a query string, a host Django would refuse, a
stale cache — goes through Django as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

STAMP_FILE = "integrations.changed"
SHARED_DB_TTL_S = 2.0


@dataclass(frozen=True)
class _Rendered:
    stamp: int
    at: float
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()  # from Django's response, once one passed by


_lock = threading.Lock()
_rendered: _Rendered | None = None


def _stamp_path() -> Path:
    return Path(settings.DATA_DIR) / STAMP_FILE


def _stamp() -> int:
    try:
        return os.stat(_stamp_path()).st_mtime_ns
    except OSError:
        return 0


def integration_list_forget() -> None:
    """Forget the rendered list in this process only."""
    global _rendered
    with _lock:
        _rendered = None


def integration_list_changed() -> None:
    """Forget the rendered list here and tell the other processes (touch the stamp file)."""
    integration_list_forget()
    with contextlib.suppress(OSError):  # a read-only data dir: other processes fall back to the TTL
        path = _stamp_path()
        path.touch()
        # Two writes within the filesystem's timestamp granularity must still differ.
        now = time.time_ns()
        os.utime(path, ns=(now, now))


def _current() -> _Rendered | None:
    """The rendered list while it is valid for this process, else None."""
    current = _rendered
    if current is None or current.stamp != _stamp():
        return None
    shared_db = settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"
    if shared_db and time.monotonic() - current.at >= SHARED_DB_TTL_S:
        return None
    return current


def integration_list_body(render: Callable[[], list[dict[str, Any]]]) -> bytes:
    """The JSON body of the list: the cached one while valid, else ``render()`` serialized."""
    global _rendered
    current = _current()
    if current is not None:
        return current.body
    stamp = _stamp()  # read before rendering: a change during the render invalidates it next time
    body = json.dumps(render(), separators=(",", ":")).encode()
    with _lock:
        _rendered = _Rendered(stamp, time.monotonic(), body)
    return body


def _on_change(**kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: no running server to tell
        return
    integration_list_changed()  # now: this transaction's own later reads must not see the old list
    transaction.on_commit(integration_list_changed, using=kwargs.get("using"))


def integration_list_signals_connect() -> None:
    """Connect the invalidation to the models whose rows the list shows (called from ``ready()``)."""
    from orchestrator.models import Integration, PlatformConfig

    for model in (Integration, PlatformConfig):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"integration-list-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"integration-list-del-{model.__name__}")


LIST_PATH = "/integrations"
# Hop-by-hop or per-response headers that must not be replayed from another response.
NOT_REPLAYED = {b"content-length", b"set-cookie", b"date"}


def _remember_headers(body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    global _rendered
    with _lock:
        current = _rendered
        if current is not None and current.body == body and not current.headers:
            kept = tuple((k, v) for k, v in headers if k.lower() not in NOT_REPLAYED)
            _rendered = _Rendered(current.stamp, current.at, current.body, kept)


def _shortcut_applies(scope: Scope) -> bool:
    from django.http.request import split_domain_port, validate_host

    if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") != LIST_PATH:
        return False
    if settings.AUTH_REQUIRED or scope.get("query_string"):
        return False
    host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), "")
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


class IntegrationListShortcut:
    """ASGI wrapper: serve a valid cached ``GET /integrations`` without entering Django."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if not _shortcut_applies(scope):
            await self.app(scope, receive, send)
            return
        current = _current()
        if current is not None and current.headers:
            headers = [*current.headers, (b"content-length", str(len(current.body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers, "trailers": False})
            await send({"type": "http.response.body", "body": current.body, "more_body": False})
            return
        await self.app(scope, receive, self._recording(send))

    @staticmethod
    def _recording(send: ASGISendCallable) -> ASGISendCallable:
        """Pass Django's answer on, remembering its headers when it is a 200 in one body."""
        started: dict[str, Any] = {}

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif (
                message["type"] == "http.response.body"
                and not message.get("more_body")
                and started.get("status") == 200
            ):
                _remember_headers(message.get("body", b""), list(started.get("headers", [])))
            await send(message)

        return recording_send
