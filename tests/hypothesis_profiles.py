"""Hypothesis profiles: ``ci`` (the full run: many examples, no deadline on 2 shared cores) and
``dev`` (``make test-fast``: a handful of examples per property, for a quick loop).

Select one with ``HYPOTHESIS_PROFILE=dev|ci``; without it Hypothesis' default profile applies.
Tests that pin their own example count write ``max_examples=examples(n)`` so ``dev`` still caps it.
"""

from __future__ import annotations

import os

from hypothesis import settings

DEV_EXAMPLES = 10
settings.register_profile("ci", deadline=None, max_examples=500)
settings.register_profile("dev", deadline=None, max_examples=DEV_EXAMPLES)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "")
if PROFILE:
    settings.load_profile(PROFILE)


def examples(count: int) -> int:
    """*count* examples, or the ``dev`` profile's few when that profile is selected."""
    return min(count, DEV_EXAMPLES) if PROFILE == "dev" else count
