"""Request gates (docs/SECURITY.md): cross-site refusal, authentication in exposed mode, read-only
tokens, JSON-only API bodies, login throttling."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect

from orchestrator.models import ApiToken

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC_PATHS = {"/"}
PUBLIC_PREFIXES = ("/static/", "/admin/", "/accounts/login/")
LOGIN_PATHS = {"/admin/login/", "/accounts/login/"}
LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW_S = 15 * 60

Middleware = Callable[[HttpRequest], HttpResponse]


DEFAULT_PORTS = {"http": 80, "https": 443}
# A websocket's origin is its page's: compare ws/wss sockets as the http/https pages they serve.
WEB_SCHEMES = {"ws": "http", "wss": "https"}
# The loopback names of this machine are one host: a page on localhost:6767 may call 127.0.0.1:6767.
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def origin_key(origin: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an origin, default ports filled in; None when it is not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:  # a port that is not a number, an unbalanced IPv6 bracket
        return None
    scheme = WEB_SCHEMES.get(parts.scheme.lower(), parts.scheme.lower())
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/") or parts.query:
        return None
    host = "localhost" if host in LOOPBACK_NAMES else host
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def own_origin(scheme: str, host: str) -> str:
    """The origin a request arrived at, from its scheme (http/https/ws/wss) and Host header."""
    return f"{scheme}://{host}"


def _own_keys(request_origin: str) -> list[tuple[str, str, int]]:
    key = origin_key(request_origin)
    if key is None:
        return []
    keys = [key]
    scheme, host, port = key
    if scheme == "http" and port == 80 and ":" not in request_origin.split("//", 1)[-1]:
        # Behind a TLS-terminating proxy the request arrives as plain http for the https page.
        keys.append(("https", host, 443))
    return keys


def origin_allowed(origin: str, request_origin: str | None = None) -> bool:
    """The Origin rule shared by HTTP and websockets: scheme, host and port must all match.

    Allowed are the request's own origin (*request_origin*, e.g. ``http://localhost:6767``) and the
    configured ``CSRF_TRUSTED_ORIGINS``. A page on another port of the same host is another site.
    """
    key = origin_key(origin) if origin and origin != "null" else None
    if key is None:
        return False
    if request_origin is not None and key in _own_keys(request_origin):
        return True
    return any(key == origin_key(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS)


def request_origin(request: HttpRequest) -> str | None:
    try:
        return own_origin(request.scheme or "http", request.get_host())
    except DisallowedHost:
        return None


class OriginCheckMiddleware:
    """Refuse state-changing browser requests from other sites, even in local mode.

    Browsers send ``Origin`` on every cross-site POST; a client without it (curl, scripts) is not a
    browser and passes, which is what keeps the seed's curl examples working.
    """

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        if (
            request.method in UNSAFE_METHODS
            and origin is not None
            and not origin_allowed(origin, request_origin(request))
        ):
            return JsonResponse({"detail": f"Cross-site request refused (Origin {origin})"}, status=403)
        return self.get_response(request)


def bearer_token(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


class AuthenticationRequiredMiddleware:
    """In exposed mode every endpoint but ``GET /`` needs a session or an API token."""

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        throttled = self._login_throttled(request)
        if throttled is not None:
            return throttled
        if settings.AUTH_REQUIRED and not self._is_public(request):
            raw = bearer_token(request)
            if raw:
                refused = self._token_refusal(request, raw)
                if refused is not None:
                    return refused
            elif not request.user.is_authenticated:
                if request.path.startswith("/ui/"):
                    return redirect(f"{settings.LOGIN_URL}?next={request.path}")
                return JsonResponse({"detail": "Unauthorized"}, status=401)
            elif request.method in UNSAFE_METHODS:
                refused = self._csrf_refused(request)
                if refused is not None:
                    return refused
        response = self.get_response(request)
        self._count_login_failure(request, response)
        return response

    @staticmethod
    def _token_refusal(request: HttpRequest, raw: str) -> HttpResponse | None:
        """Act as the token's user, or refuse: unknown or revoked (401), read-only and writing (403)."""
        token = ApiToken.authenticate(raw)
        user = token.acting_user() if token is not None else None
        if token is None or user is None:
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        if token.read_only and request.method in UNSAFE_METHODS:
            return JsonResponse(
                {"detail": f"API token '{token.name}' is read-only: it may only read (GET)"}, status=403
            )
        request.user = user
        request.api_token = token  # type: ignore[attr-defined]
        return None

    def _csrf_refused(self, request: HttpRequest) -> HttpResponse | None:
        """A session (cookie) is sent by the browser on its own, so it needs a CSRF token too.

        The API's views are CSRF-exempt (curl and tokens need none), so the check runs here, for
        session-authenticated writes only; a token in a header cannot be forged cross-site.
        """
        # No view callback: the check must not honour the API views' csrf_exempt marker.
        response = CsrfViewMiddleware(self.get_response).process_view(request, None, (), {})  # type: ignore[arg-type]
        if response is None:
            return None
        return JsonResponse({"detail": "CSRF check failed: send the X-CSRFToken header"}, status=403)

    @staticmethod
    def _is_public(request: HttpRequest) -> bool:
        if request.path in PUBLIC_PATHS and request.method in {"GET", "HEAD"}:
            return True
        return request.path.startswith(PUBLIC_PREFIXES)

    @staticmethod
    def _throttle_key(request: HttpRequest) -> str:
        return f"login-failures:{request.META.get('REMOTE_ADDR', '?')}"

    def _login_throttled(self, request: HttpRequest) -> HttpResponse | None:
        if request.method != "POST" or request.path not in LOGIN_PATHS:
            return None
        if cache.get(self._throttle_key(request), 0) >= LOGIN_FAILURES_ALLOWED:
            return HttpResponse(
                "Too many failed logins; try again in 15 minutes.", status=429, content_type="text/plain"
            )
        return None

    def _count_login_failure(self, request: HttpRequest, response: HttpResponse) -> None:
        # A failed login re-renders the form (200); a success redirects.
        if request.method == "POST" and request.path in LOGIN_PATHS and response.status_code == 200:
            key = self._throttle_key(request)
            cache.add(key, 0, LOGIN_WINDOW_S)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, LOGIN_WINDOW_S)


NOT_API_PREFIXES = ("/admin/", "/ui/", "/static/", "/accounts/")


def is_api_path(path: str) -> bool:
    """The HTTP API is mounted at the site root: everything but the admin, pages and static files."""
    return not path.startswith(NOT_API_PREFIXES)


class NulPathMiddleware:
    """A NUL in an API path names nothing: ``404`` before any lookup (PostgreSQL refuses NUL in text)."""

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path and is_api_path(request.path):
            return JsonResponse({"detail": "Not Found: a path cannot contain NUL"}, status=404)
        return self.get_response(request)
