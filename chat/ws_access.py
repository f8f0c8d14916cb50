"""Who may open a chat websocket (docs/CHAT.md, docs/SECURITY.md).

* A browser sends ``Origin``: its host must be allowed by the same rule as HTTP. A client without
  ``Origin`` is not a browser (nothing can forge a cookie-carrying request from it) and passes.
* The ``Host`` header is checked against ALLOWED_HOSTS as Django does for HTTP: otherwise a
  DNS-rebinding page could present a matching ``Origin``/``Host`` pair of its own.
* When ``ALLOWED_HOSTS`` is ``*`` (exposed mode) every host validates, so a browser Origin must
  then be this very server (or a configured CSRF trusted origin): the socket carries the session
  cookie and has no CSRF token to protect it.
* In exposed mode the socket needs a logged-in session, or an API token as
  ``Authorization: Bearer <token>`` or ``?token=``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from orchestrator.models import ApiToken
from orchestrator.security.middleware import origin_allowed

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


def origin_ok(origin: str | None, host: str | None) -> bool:
    if origin is None:
        return True
    if "*" in settings.ALLOWED_HOSTS:
        same_server = bool(host) and urlsplit(origin).netloc == host
        return same_server or origin.rstrip("/") in settings.CSRF_TRUSTED_ORIGINS
    return origin_allowed(origin, host)


def _token(scope: dict[str, Any]) -> str:
    scheme, _, value = (header(scope, "authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return query_params(scope).get("token", "")


@database_sync_to_async
def _token_valid(raw: str) -> bool:
    return ApiToken.authenticate(raw) is not None


async def authenticated(scope: dict[str, Any]) -> bool:
    user = scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    raw = _token(scope)
    return bool(raw) and await _token_valid(raw)


async def refusal(scope: dict[str, Any]) -> int | None:
    """The close code refusing this connection (4403, 4401), or None to let it in."""
    host = header(scope, "host")
    if not host_allowed(host) or not origin_ok(header(scope, "origin"), host):
        return CLOSE_FORBIDDEN
    if settings.AUTH_REQUIRED and not await authenticated(scope):
        return CLOSE_UNAUTHORIZED
    return None
