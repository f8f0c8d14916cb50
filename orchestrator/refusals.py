"""``Refusal``: a service function saying no to a request, in words and as an HTTP status."""

from __future__ import annotations


class Refusal(Exception):
    """A refused request: ``status`` is the HTTP status an API answers with (400, 404, 409, …),
    ``detail`` says what is wrong and what to do. Each service has its own subclass."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail
