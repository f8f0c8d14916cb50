"""Who may open a chat websocket (docs/CHAT.md, docs/SECURITY.md).

* A browser sends ``Origin``: it must be this very server — scheme, host and port — or a configured
  CSRF trusted origin, by the same rule as HTTP (the socket carries the session cookie and has no
  CSRF token to protect it). A client without ``Origin`` is not a browser and passes.
* The ``Host`` header is checked against ALLOWED_HOSTS as Django does for HTTP: otherwise a
  DNS-rebinding page could present a matching ``Origin``/``Host`` pair of its own.
* In exposed mode the socket needs a logged-in session, or an API token as
  ``Authorization: Bearer <token>`` or ``?token=``, and its user the ``use_chat`` permission. A
  read-only token may watch but not send (``scope["read_only"]``, see :mod:`chat.frames`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from orchestrator.models import ApiToken
from orchestrator.security.middleware import origin_allowed, own_origin
from orchestrator.security.permissions import PermissionName, allowed

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def header(scope: dict[str, Any], name: str) -> str | None:
    wanted = name.lower().encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


def query_params(scope: dict[str, Any]) -> dict[str, str]:
    raw = scope.get("query_string", b"")
    parsed = parse_qs(raw.decode("latin-1") if isinstance(raw, bytes) else str(raw))
    return {key: values[-1] for key, values in parsed.items()}


def host_allowed(host: str | None) -> bool:
    if not host:
        return True  # HTTP/1.0-style clients; the Origin rule still applies
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def origin_ok(origin: str | None, host: str | None, scheme: str = "ws") -> bool:
    if origin is None:
        return True
    return origin_allowed(origin, own_origin(scheme, host) if host else None)


def _token(scope: dict[str, Any]) -> str:
    scheme, _, value = (header(scope, "authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return query_params(scope).get("token", "")


@database_sync_to_async
def _token_user(raw: str) -> tuple[Any, bool]:
    """The user a token acts for (None: unknown, revoked or ownerless) and whether it is read-only."""
    token = ApiToken.authenticate(raw)
    if token is None:
        return None, False
    return token.acting_user(), token.read_only


async def authenticated(scope: dict[str, Any]) -> bool:
    """Whether the socket has a user; a token's user and read-only flag are put on the scope."""
    user = scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    raw = _token(scope)
    if not raw:
        return False
    token_user, read_only = await _token_user(raw)
    if token_user is None:
        return False
    scope["user"], scope["read_only"] = token_user, read_only
    return True


async def refusal(scope: dict[str, Any], permission: PermissionName = "use_chat") -> int | None:
    """The close code refusing this connection (4403, 4401), or None to let it in.

    *permission* is what the socket is for: ``use_chat`` for a conversation, ``view_activity`` for
    the operator UI's live socket.
    """
    host = header(scope, "host")
    if not host_allowed(host) or not origin_ok(header(scope, "origin"), host, scope.get("scheme", "ws")):
        return CLOSE_FORBIDDEN
    if settings.AUTH_REQUIRED:
        if not await authenticated(scope):
            return CLOSE_UNAUTHORIZED
        if not await database_sync_to_async(allowed)(scope.get("user"), permission):
            return CLOSE_FORBIDDEN
    return None
