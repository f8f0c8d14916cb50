"""Scheduling fixtures: a type with two platforms, so "one schedule per enabled platform" shows."""

from __future__ import annotations

import pytest

from integrations import registry
from integrations.base import IntegrationType, PlatformSpec
from tests.plugins import dummy


@pytest.fixture
def duo_type(monkeypatch: pytest.MonkeyPatch) -> IntegrationType:
    """Type ``duo`` with platforms ``a`` and ``b`` (the dummy's handlers)."""
    integration_type = IntegrationType(
        type="duo",
        platforms={
            name: PlatformSpec(name=name, check=dummy.check, collect=dummy.collect) for name in ("a", "b")
        },
    )
    # The registry has no unregister: it is filled once at startup. monkeypatch restores it.
    monkeypatch.setitem(registry._types, "duo", integration_type)
    return integration_type
