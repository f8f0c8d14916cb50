"""Who may do what: Steward's permissions, checked by every API route, the websocket and the pages.

One check, three forms — call it by permission name:

* ``require(request.user, "undo_action")`` anywhere (raises :class:`PermissionRefused`, a Django
  ``PermissionDenied``; the API answers it ``403 {"detail": …}``);
* ``@api_permission("view_activity")`` under a ninja route decorator;
* ``@view_permission("use_chat")`` on a Django view (a page).

Local mode (loopback, authentication off) trusts everything that can reach the machine, so every
check passes there. In exposed mode the user — a logged-in person, or the user an API token acts
for — needs the permission (a superuser has them all). Read-only tokens are refused every
state-changing request by the authentication middleware, before any of this runs. The roles are
described in docs/SECURITY.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja.decorators import decorate_view

from orchestrator.actions.intents import kind_of
from orchestrator.rules.actions import ActionKind

PermissionName = Literal["run_integration", "answer_approval", "undo_action", "use_chat", "view_activity"]
PERMISSION_NAMES: tuple[str, ...] = get_args(PermissionName)
APP_LABEL = "orchestrator"

F = TypeVar("F", bound=Callable[..., Any])


class PermissionRefused(PermissionDenied):
    """The user lacks a permission; ``detail`` names it and what to do."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _known(name: str) -> None:
    if name not in PERMISSION_NAMES:  # a typo must fail loudly, never silently allow or deny
        raise ValueError(f"unknown permission {name!r}; known: {', '.join(PERMISSION_NAMES)}")


def allowed(user: Any, name: PermissionName) -> bool:
    """True when *user* may do what *name* stands for (always, in local mode)."""
    _known(name)
    if not settings.AUTH_REQUIRED:
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.has_perm(f"{APP_LABEL}.{name}"))


def require(user: Any, name: PermissionName) -> None:
    """Raise :class:`PermissionRefused` unless *user* holds permission *name*."""
    if not allowed(user, name):
        raise PermissionRefused(
            f"Permission '{name}' required; ask an administrator to grant it "
            f"(admin → Users or Groups → '{APP_LABEL} | Steward permission | {name}')"
        )


def require_superuser(user: Any, why: str) -> None:
    """Raise :class:`PermissionRefused` unless *user* is a superuser (always passes in local mode)."""
    if not settings.AUTH_REQUIRED:
        return
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser):
        raise PermissionRefused(f"{why} needs a superuser")


def require_approval_answer(user: Any, *, action: str, option: str) -> None:
    """Answering an approval needs ``answer_approval``; approving one that runs a script, a superuser.

    Scripts run shell code on this machine, which is why only superusers may see or edit them in
    the admin — approving one is the same power. Rejecting runs nothing.
    """
    require(user, "answer_approval")
    if option == "approve" and kind_of(action)[0] is ActionKind.SCRIPT:
        require_superuser(user, f"Approving {action!r} (a script runs shell code on this machine)")


def refusal(request: HttpRequest, names: tuple[PermissionName, ...]) -> str | None:
    """The refusal's detail for the first missing permission among *names*, or None."""
    for name in names:
        try:
            require(getattr(request, "user", None), name)
        except PermissionRefused as exc:
            return exc.detail
    return None


def api_permission(*names: PermissionName) -> Callable[[F], F]:
    """Decorate a ninja operation (below ``@router.get``/``post``): 403 without the permissions.

    The check runs before the request body is parsed. The function itself is returned unchanged, so
    ninja reads its signature and annotations as usual.
    """
    for name in names:
        _known(name)

    def guard(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        operation = run.__self__  # type: ignore[attr-defined]  # the bound Operation.run

        @functools.wraps(run)
        def checked(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            detail = refusal(request, names)
            if detail is not None:
                response: HttpResponse = operation.api.create_response(
                    request, {"detail": detail}, status=403
                )
                return response
            return run(request, **kwargs)

        return checked

    # decorate_view wraps the operation's run (and re-wraps the copies ninja binds to an API).
    return decorate_view(guard)


def view_permission(*names: PermissionName) -> Callable[[F], F]:
    """Decorate a Django view: Django's 403 page without the permissions."""
    for name in names:
        _known(name)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            for name in names:
                require(getattr(request, "user", None), name)
            return view(request, *args, **kwargs)

        return checked  # type: ignore[return-value]  # same call signature as *view*

    return decorate
