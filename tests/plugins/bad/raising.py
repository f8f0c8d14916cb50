"""A plugin whose module raises while its declaration is being built."""

from __future__ import annotations


def _declare() -> None:
    raise RuntimeError("settings_schema could not be built")


INTEGRATION_TYPE = _declare()
