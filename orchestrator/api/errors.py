"""One error shape for the whole HTTP API: ``{"detail": "<what is wrong and what to do>"}``.

Every refusal — 400, 401, 403, 404, 409, 413, 415, 422 — has this body, and the OpenAPI schema
says so: build a route's ``response=`` with :func:`responses` (``responses(ItemOut, 404)``) so the
codes it can answer are documented. A service's :class:`~orchestrator.refusals.Refusal` answers
with its own status and detail, so routes let them through. Request validation (422) is flattened
from ninja's list of problems into one line naming each field (``body.content: Field required``).
Client JSON is parsed by :class:`JsonParser`: ``application/json`` only (415) and within the limits
of :mod:`orchestrator.security.json_input` (422).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from pydantic import ConfigDict, Field

from orchestrator.refusals import Refusal
from orchestrator.security.json_input import InputError, json_parse

M = TypeVar("M", bound=Model)

JSON_TYPE = "application/json"
# What every route may answer besides its own codes: no credentials (exposed mode), no permission.
COMMON = (401, 403)
# What a route taking a JSON body may also answer.
BODY = (413, 415, 422)


class Detail(Schema):
    """Every error body."""

    detail: str


# Text a client sends: the schema says what the body parser enforces (no NUL; lone surrogates
# cannot be generated from a schema, and are refused the same way).
Text = Annotated[str, Field(json_schema_extra={"pattern": "^[^\\u0000]*$"})]
# Python's whitespace, exactly: what ``str.strip()`` removes (ECMA's ``\\s`` is a different set).
_SPACE = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())
# Text with something in it besides whitespace (what ``text.strip()`` leaves non-empty).
NonBlankText = Annotated[
    str, Field(json_schema_extra={"pattern": f"^[^\\u0000]*[^\\u0000{_SPACE}][^\\u0000]*$"})
]


class BodyIn(Schema):
    """Base of request bodies: unknown fields are refused (422), so the schema lists all there is."""

    model_config = ConfigDict(extra="forbid")


def responses(ok: Any, *codes: int, status: int = 200) -> dict[int, Any]:
    """``response=`` for a route: its success schema, plus :class:`Detail` for each error code.

    401 and 403 are always included (exposed mode); a route with a body adds :data:`BODY`.
    """
    out: dict[int, Any] = {status: ok}
    for code in (*COMMON, *codes):
        out[code] = Detail
    return out


def found_or_404(rows: QuerySet[M], name: str) -> M:
    """The first of *rows*, or a 404 saying ``<name> not found`` (``"Task 'abc'"``)."""
    row = rows.first()
    if row is None:
        raise HttpError(404, f"{name} not found")
    return row


def _where(loc: Iterable[Any]) -> str:
    parts: list[str] = []
    for part in loc:
        if not parts or str(part) != parts[-1]:  # ninja repeats the body parameter's name
            parts.append(str(part))
    return ".".join(parts)


def validation_detail(errors: list[dict[str, Any]]) -> str:
    """Ninja's list of validation problems as one line: ``body.option: Field required; …``."""
    lines = [f"{_where(error.get('loc', ()))}: {error.get('msg', 'invalid')}" for error in errors]
    return "; ".join(lines) or "Invalid request"


class JsonParser(Parser):
    """Request bodies: JSON sent as ``application/json``, parsed within limits."""

    def parse_body(self, request: HttpRequest) -> Any:
        declared = request.headers.get("Content-Type", "")
        if declared.split(";", 1)[0].strip().lower() != JSON_TYPE:
            raise InputError(
                415, f"Unsupported Content-Type {declared[:80] or '(none)'!r}: send the body as {JSON_TYPE}"
            )
        return json_parse(request.body, where="body")


def install(api: NinjaAPI) -> None:
    """Give *api* the one error shape for every refusal it makes."""

    def detail(request: HttpRequest, text: str, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": text}, status=status)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja wraps whatever the body parser raises in a 400; ours carry their own status.
        cause = exc.__cause__
        if isinstance(cause, InputError):
            return detail(request, cause.detail, cause.status)
        if isinstance(cause, RequestDataTooBig):
            return detail(request, "Request body too large", 413)
        return detail(request, str(exc.message), exc.status_code)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return detail(request, validation_detail(exc.errors), 422)

    @api.exception_handler(Refusal)
    def refusal(request: HttpRequest, exc: Refusal) -> HttpResponse:
        # A service saying no (orchestrator/refusals.py) answers with its own status and words.
        return detail(request, exc.detail, exc.status)

    @api.exception_handler(InputError)
    def input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
        return detail(request, exc.detail, exc.status)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return detail(request, str(exc) or "Permission denied", 403)

    @api.exception_handler(RequestDataTooBig)
    def request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return detail(request, "Request body too large", 413)
