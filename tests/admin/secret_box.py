"""What a write-only secret box (an integration's secret, an LLM profile's token) shows in a form."""

from __future__ import annotations


def assert_stored_value_hidden(html: str, value: str) -> None:
    """The box says that a value is stored, and never shows the value itself."""
    assert value not in html
    assert "A value is stored" in html
