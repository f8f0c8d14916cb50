"""Who may see a UI page or call a UI websocket: the one place every UI call site goes through.

Each call site names the permission it needs (:mod:`orchestrator.security.permissions` defines
them and decides: everything passes in local mode; in exposed mode the user needs the permission).

* Pages: ``@ui_view(permission="view_activity")`` (GET) or ``@ui_view(permission=..., post=True)``.
  Anonymous browsers in exposed mode are redirected to the login page, a logged-in person without
  the permission gets a 403 page; POSTs need a CSRF token (Django's CSRF middleware, never exempted).
* API routes use ``@api_permission(...)`` from :mod:`orchestrator.security.permissions`.
* Websockets: ``await socket_permitted(scope, "view_activity")``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie

from orchestrator.security.permissions import PERMISSION_NAMES, PermissionName, allowed

Permission = PermissionName
PERMISSIONS = PERMISSION_NAMES

View = Callable[..., HttpResponse]


def _authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(getattr(request, "api_token", None)) or bool(user is not None and user.is_authenticated)


def permission_granted(request: HttpRequest, permission: Permission) -> bool:
    """Local mode is open; exposed mode needs a user holding *permission*."""
    return allowed(getattr(request, "user", None), permission)


def login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{settings.LOGIN_URL}?next={quote(request.get_full_path())}")


def ui_view(*, permission: Permission, post: bool = False) -> Callable[[View], View]:
    """Wrap a page (GET/HEAD) or a form handler (``post=True``: POST only, CSRF-checked)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"Unknown UI permission {permission!r}")
    allowed_methods = ("POST",) if post else ("GET", "HEAD")

    def decorate(view: View) -> View:
        guarded = csrf_protect(view) if post else ensure_csrf_cookie(view)

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed_methods:
                return HttpResponseNotAllowed(allowed_methods)
            if not permission_granted(request, permission):
                if _authenticated(request):
                    return HttpResponse(
                        f"Permission '{permission}' is required; ask an administrator to grant it.",
                        status=403,
                        content_type="text/plain",
                    )
                return login_redirect(request)
            return guarded(request, *args, **kwargs)

        wrapper.ui_permission = permission  # type: ignore[attr-defined]  # for tests and the docs
        return wrapper

    return decorate


async def socket_permitted(scope: dict[str, Any], permission: Permission) -> int | None:
    """The close code refusing a UI websocket (4401/4403), or None: the chat socket's rules."""
    from chat import ws_access

    if permission not in PERMISSIONS:
        raise ValueError(f"Unknown UI permission {permission!r}")
    return await ws_access.refusal(scope, permission)
