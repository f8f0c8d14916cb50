"""Strict path converters for UI routes: anything else in the path is a 404, never a 500.

Text segments are Django's :class:`StringConverter` (the value passes through) with a narrower pattern.
"""

from __future__ import annotations

from django.urls.converters import StringConverter


class DigitsConverter:
    """ASCII digits only (``int``'s own converter would also accept nothing but digits, but ``\\d``
    in a regex would match other scripts' digits)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


class TaskUidConverter(StringConverter):
    regex = "[0-9a-f]{32}"


class IntegrationIdConverter(StringConverter):
    """``type.name`` as the configuration allows it."""

    regex = "[a-z0-9][a-z0-9_-]*\\.[a-z0-9][a-z0-9_-]*"


class PlatformConverter(StringConverter):
    regex = "[a-z0-9][a-z0-9_-]*"
