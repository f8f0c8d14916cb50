"""Repository-root conftest: makes `tests.plugins.dummy` importable as STEWARD_PLUGINS names it."""
