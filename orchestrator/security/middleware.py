"""Request gates (docs/SECURITY.md): cross-site refusal, authentication in exposed mode, login throttling."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import validate_host
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


def origin_allowed(origin: str, request_host: str | None = None) -> bool:
    """The Origin rule shared by HTTP and websockets: its host must be an allowed host."""
    host = urlsplit(origin).netloc if origin and origin != "null" else ""
    if not host:
        return False
    if request_host is not None and host == request_host:
        return True
    bare = urlsplit(f"//{host}").hostname or ""
    return validate_host(bare, settings.ALLOWED_HOSTS) or validate_host(host, settings.ALLOWED_HOSTS)


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
            and not origin_allowed(origin, request.get_host())
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
                token = ApiToken.authenticate(raw)
                if token is None:
                    return JsonResponse({"detail": "Unauthorized"}, status=401)
                # Token requests act as the first superuser (the owner): Steward has one person.
                owner = (
                    get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
                )
                if owner is not None:
                    request.user = owner
                request.api_token = token  # type: ignore[attr-defined]
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
