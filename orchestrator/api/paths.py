"""Path converters of the HTTP API: an id in a path is ASCII digits, or the route does not match.

``str.isdigit()`` and ``int()`` accept other scripts' digits (``²``, ``١``), so ``/api/actions/١/undo``
once acted on action 1. Routes spell ids ``{id:action_id}``: ``[0-9]``, at most 18 digits (any such
number fits every database's 64-bit key), anything else falls through to :func:`api_not_found`,
a JSON ``404``. The OpenAPI schema shows these parameters as plain integers.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import register_converter
from django.views.decorators.csrf import csrf_exempt

MAX_ID_DIGITS = 18


class IdConverter:
    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


@csrf_exempt
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any API path no route matches (a malformed id included): ``404 {"detail": …}``."""
    return JsonResponse({"detail": f"Not Found: {request.path[:200]}"}, status=404)
