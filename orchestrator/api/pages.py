"""What every paginated list route shares (``GET /api/actions``, ``items``, ``runs``, ``egress``).

In: the route's filters, then ``page`` from 1 and ``limit`` 1–200 (default 50) — the query schema
ends with :data:`PageNumber` and :data:`PageSize` fields. Out: ``{<rows>: [...], "page": n,
"next_page": n + 1 or null}``. One :class:`Listing` per route gives the route, the envelope's
schema and the body, so the three cannot drift apart::

    ACTIONS = Listing("ActionPageOut", "actions", ActionOut, action_out, codes=(400, 422))

    @ACTIONS.route(router, summary="List ledger rows (newest first)")
    @api_permission("view_activity")
    def action_list(request: HttpRequest, query: Query[ActionQuery]) -> dict[str, Any]:
        return ACTIONS.answer(actions_page, query)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Model
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field, create_model

from orchestrator.api.errors import responses
from orchestrator.ui.pagination import MAX_PAGE, Page
from orchestrator.ui.selectors import FilterError

T = TypeVar("T", bound=Model)
Route = TypeVar("Route", bound=Callable[..., Any])

PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=200)]


class Listing(Generic[T]):
    """A list route's envelope, *name* in the OpenAPI schema: *key* holds a page of rows, each a
    *row* shaped by *row_out*. *codes* are the errors the route documents (400 when a selector may
    refuse a filter, 422 for a query the schema refuses)."""

    def __init__(
        self,
        name: str,
        key: str,
        row: type[Schema],
        row_out: Callable[[T], dict[str, Any]],
        *,
        codes: tuple[int, ...],
    ):
        self.key = key
        self.row_out = row_out
        self.codes = codes
        # Fields in the order of the body: the rows first, then where the page stands.
        fields: dict[str, Any] = {key: (list[row], ...), "page": (int, ...), "next_page": (int | None, ...)}  # type: ignore[valid-type]
        self.schema: type[Schema] = create_model(name, __base__=Schema, **fields)

    def route(self, router: Router, *, summary: str) -> Callable[[Route], Route]:
        """Register the list as ``GET`` at the root of *router*, documented with this envelope."""
        return router.get("", response=responses(self.schema, *self.codes), summary=summary)

    def answer(self, select: Callable[..., Page[T]], query: Schema) -> dict[str, Any]:
        """The body for *query*: ``select(<each filter by name>, number=page, size=limit)``, where
        the filters are the query's fields besides ``page`` and ``limit``. A :class:`FilterError`
        from *select* answers 400 with its message."""
        filters = query.model_dump()
        number, size = filters.pop("page"), filters.pop("limit")
        try:
            page = select(**filters, number=number, size=size)
        except FilterError as exc:
            raise HttpError(400, str(exc)) from None
        return {
            self.key: [self.row_out(row) for row in page.rows],
            "page": page.number,
            "next_page": page.number + 1 if page.has_next else None,
        }
