"""Strict path converters for UI routes: anything else in the path is a 404, never a 500."""

from __future__ import annotations


class DigitsConverter:
    """ASCII digits only (``int``'s own converter would also accept nothing but digits, but ``\\d``
    in a regex would match other scripts' digits)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


class TaskUidConverter:
    regex = "[0-9a-f]{32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class IntegrationIdConverter:
    """``type.name`` as the configuration allows it."""

    regex = "[a-z0-9][a-z0-9_-]*\\.[a-z0-9][a-z0-9_-]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PlatformConverter:
    regex = "[a-z0-9][a-z0-9_-]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
