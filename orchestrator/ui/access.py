"""Who may see a UI page or call a UI-backing API route: the one place every call site goes through.

Each call site names the permission it needs; today a permission is granted to anybody in local
mode and to any logged-in user (or API token) in exposed mode — the rule the security middleware
already applies — so fine-grained checks can be wired in here, in :func:`permission_granted`,
without touching a view.

* Pages: ``@ui_view(permission="view_activity")`` (GET) or ``@ui_view(permission=..., post=True)``.
  Anonymous browsers in exposed mode are redirected to the login page; POSTs need a CSRF token
  (Django's CSRF middleware, never exempted here).
* API routes: ``api_permission(request, "undo_action")`` raises a JSON 401/403.
* Websockets: ``await socket_permitted(scope, "view_activity")``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from ninja.errors import HttpError

Permission = Literal["view_activity", "run_integration", "answer_approval", "undo_action", "use_chat"]
PERMISSIONS: tuple[Permission, ...] = (
    "view_activity",
    "run_integration",
    "answer_approval",
    "undo_action",
    "use_chat",
)

View = Callable[..., HttpResponse]


def _authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(getattr(request, "api_token", None)) or bool(user is not None and user.is_authenticated)


def permission_granted(request: HttpRequest, permission: Permission) -> bool:
    """Today: local mode is open; exposed mode needs a session or token (any permission)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"Unknown UI permission {permission!r}")
    return not settings.AUTH_REQUIRED or _authenticated(request)


def login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{settings.LOGIN_URL}?next={quote(request.get_full_path())}")


def ui_view(*, permission: Permission, post: bool = False) -> Callable[[View], View]:
    """Wrap a page (GET/HEAD) or a form handler (``post=True``: POST only, CSRF-checked)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"Unknown UI permission {permission!r}")
    allowed = ("POST",) if post else ("GET", "HEAD")

    def decorate(view: View) -> View:
        guarded = csrf_protect(view) if post else ensure_csrf_cookie(view)

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            if not permission_granted(request, permission):
                if _authenticated(request):
                    return HttpResponse("You may not do this.", status=403, content_type="text/plain")
                return login_redirect(request)
            return guarded(request, *args, **kwargs)

        wrapper.ui_permission = permission  # type: ignore[attr-defined]  # for tests and the docs
        return wrapper

    return decorate


def api_permission(request: HttpRequest, permission: Permission) -> None:
    """Raise the JSON error an API route answers when *permission* is not granted."""
    if not permission_granted(request, permission):
        if _authenticated(request):
            raise HttpError(403, f"Permission '{permission}' is required")
        raise HttpError(401, "Unauthorized")


async def socket_permitted(scope: dict[str, Any], permission: Permission) -> int | None:
    """The close code refusing a UI websocket (4401/4403), or None: the chat socket's rules."""
    from chat import ws_access

    if permission not in PERMISSIONS:
        raise ValueError(f"Unknown UI permission {permission!r}")
    return await ws_access.refusal(scope)
