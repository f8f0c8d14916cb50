"""UI fixtures: ``dummy.one`` driven in-process, with one done soft action (tag) and one approval."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.pipeline.driving import _fresh_classifier, configure, run_pipeline, steward  # noqa: F401


@pytest.fixture
def browser_client() -> Client:
    """A local browser: Host localhost, CSRF enforced as a real browser meets it."""
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def acted(steward):  # noqa: F811
    """Item 1 tagged (soft, undoable); item 2's shout waits for approval (on_blocked: ask)."""
    configure(
        steward,
        automations=[
            {"when": {"n": 1}, "then": [{"tag": "hot"}]},
            {
                "when": {"n": 2, "classification.interesting": "> 0.5"},
                "then": [{"shout": "hey"}],
                "on_blocked": "ask",
            },
        ],
        options={"count": 3},
    )
    run_pipeline()
    return steward
