"""What every paginated list route shares (``GET /api/actions``, ``items``, ``runs``, ``egress``).

In: ``page`` from 1 and ``limit`` 1–200 (default 50), the last fields of the route's query schema.
Out: ``{<rows>: [...], "page": n, "next_page": n + 1 or null}``; one :class:`Listing` gives both the
envelope's schema and the body, so the two cannot drift apart. A filter the selector refuses
(:class:`~orchestrator.ui.selectors.FilterError`) answers 400 with its message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Model
from ninja import Schema
from ninja.errors import HttpError
from pydantic import Field, create_model

from orchestrator.ui.pagination import MAX_PAGE, Page
from orchestrator.ui.selectors import FilterError

T = TypeVar("T", bound=Model)

PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=200)]


class Listing(Generic[T]):
    """A list route's envelope, named *name* in the OpenAPI schema: *key* holds the rows of a page,
    each a *row* shaped by *row_out*."""

    def __init__(self, name: str, key: str, row: type[Schema], row_out: Callable[[T], dict[str, Any]]):
        self.key = key
        self.row_out = row_out
        # Fields in the order of the body: the rows first, then where the page stands.
        fields: dict[str, Any] = {key: (list[row], ...), "page": (int, ...), "next_page": (int | None, ...)}  # type: ignore[valid-type]
        self.schema: type[Schema] = create_model(name, __base__=Schema, **fields)

    def body(self, page: Page[T]) -> dict[str, Any]:
        return {
            self.key: [self.row_out(row) for row in page.rows],
            "page": page.number,
            "next_page": page.number + 1 if page.has_next else None,
        }


@contextmanager
def filters_checked() -> Iterator[None]:
    """Run a selector: the :class:`FilterError` it raises for a bad filter answers 400."""
    try:
        yield
    except FilterError as exc:
        raise HttpError(400, str(exc)) from None
