"""GitHub App authentication: an RS256 JWT for the App, exchanged for an installation token.

The JWT (``iss`` = the App id, ``iat`` a minute in the past against clock drift, ``exp`` nine
minutes ahead — GitHub allows ten) is signed with the App's private key. The installation token
it buys is cached per (api_url, app, installation) until :data:`REFRESH_BEFORE_S` before its
``expires_at``, so one token serves every task of its hour. A personal access token needs none
of this and is used as it is.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from integrations.base import IntegrationError
from integrations.github.config import GithubSettings

REFRESH_BEFORE_S = 300
JWT_LIFETIME_S = 540
JWT_BACKDATE_S = 60


@dataclass(frozen=True)
class CachedToken:
    token: str
    expires_at: float  # epoch seconds


_cache: dict[tuple[str, str, str], CachedToken] = {}
_lock = threading.Lock()


def now() -> float:
    """The clock (patched in tests)."""
    return time.time()


def app_jwt(settings: GithubSettings) -> str:
    """The App's JWT; a key that is not a PEM RSA private key is a permanent error saying so."""
    import jwt  # here, in the worker that calls GitHub: ~0.1 s of every process's start-up otherwise

    issued = int(now())
    claims = {"iat": issued - JWT_BACKDATE_S, "exp": issued + JWT_LIFETIME_S, "iss": settings.app_id}
    try:
        return jwt.encode(claims, settings.private_key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise IntegrationError(
            f"{settings.integration_id}: private_key is not a usable PEM RSA private key "
            f"({type(exc).__name__}): paste the .pem file GitHub generated for the App",
            permanent=True,
        ) from None


def _key(settings: GithubSettings) -> tuple[str, str, str]:
    return (settings.api_url, settings.app_id, settings.installation_id)


def cached_token(settings: GithubSettings) -> str | None:
    with _lock:
        cached = _cache.get(_key(settings))
    if cached is not None and cached.expires_at - REFRESH_BEFORE_S > now():
        return cached.token
    return None


def remember_token(settings: GithubSettings, token: str, expires_at: str) -> None:
    try:
        expiry = datetime.fromisoformat(expires_at.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        expiry = now() + 3600 - REFRESH_BEFORE_S  # GitHub's tokens live an hour; be safe
    with _lock:
        _cache[_key(settings)] = CachedToken(token, expiry)


def forget_token(settings: GithubSettings) -> None:
    """Drop a cached token GitHub rejected (revoked, or the App's installation removed)."""
    with _lock:
        _cache.pop(_key(settings), None)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
