"""Hypothesis settings for the rules engine's property tests (SPEC §16: a ``ci`` profile)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis.errors import InvalidArgument

try:
    settings.get_profile("ci")
except InvalidArgument:  # not registered by a project-wide conftest yet
    settings.register_profile("ci", deadline=None, max_examples=500)
