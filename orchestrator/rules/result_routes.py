"""Where a service's result goes (``on_result``), parsed the same way at save time and at run time.

``on_result`` is absent (a note), a route name (``note``, ``audit``, ``chat_reply``), a mapping
``{type, path}`` or a list of those. A note's ``path`` is a folder *inside* the notes directory:
relative, without ``..`` and not starting with ``~``. Pure: no ORM, no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

RESULT_ROUTES = ("note", "chat_reply", "audit")
DEFAULT_ROUTE = "note"
ROUTE_KEYS = ("type", "path")


def note_folder_error(relative: Any) -> str | None:
    """Why a configured note folder is unsafe or malformed, or ``None`` when it stays inside."""
    if relative is None or relative == "":
        return None
    if not isinstance(relative, str):
        return f"note path {relative!r} must be text"
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or relative.startswith("~") or "\\" in relative:
        return f"note path {relative!r} must stay inside the notes directory (relative, no '..')"
    return None


def route_errors(on_result: Any) -> list[str]:
    """Problems with a configured ``on_result``, each naming the route at fault."""
    errors: list[str] = []
    for route in on_result if isinstance(on_result, list) else [on_result]:
        if route is None and not isinstance(on_result, list):
            continue
        kind = route.get("type", DEFAULT_ROUTE) if isinstance(route, Mapping) else route
        if kind not in RESULT_ROUTES:
            errors.append(f"{kind!r} is not a route; valid: {', '.join(RESULT_ROUTES)}")
            continue
        if isinstance(route, Mapping):
            unknown = sorted(str(key) for key in route if key not in ROUTE_KEYS)
            if unknown:
                errors.append(f"unknown key(s) {', '.join(unknown)}; valid: {', '.join(ROUTE_KEYS)}")
            problem = note_folder_error(route.get("path"))
            if problem:
                errors.append(problem)
    return errors


def result_routes(on_result: Any) -> list[dict[str, Any]]:
    """``on_result`` as a list of ``{"type", "path"}`` (a note when nothing is configured).

    Call :func:`route_errors` first; malformed entries are skipped here.
    """
    raw = on_result if isinstance(on_result, list) else [on_result]
    routes: list[dict[str, Any]] = []
    for route in raw:
        if route is None:
            continue
        if isinstance(route, Mapping):
            routes.append({"type": route.get("type", DEFAULT_ROUTE), "path": route.get("path") or ""})
        elif isinstance(route, str):
            routes.append({"type": route, "path": ""})
    return routes or [{"type": DEFAULT_ROUTE, "path": ""}]
