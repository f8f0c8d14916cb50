"""The error bodies of the API, for the OpenAPI schema: ``{"detail": "..."}`` (422: ninja's list)."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


def error_responses(*codes: int, validated: bool = False) -> dict[int, Any]:
    """``{code: schema}`` for a route's documented errors: 401 (exposed mode) always, 422 when the
    route validates query or body parameters."""
    documented: dict[int, Any] = {code: ErrorOut for code in (*codes, 401)}
    if validated:
        documented[422] = ValidationErrorOut
    return documented
