"""``GET /integrations`` is served from a cache that every configuration change invalidates."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orchestrator.api.integration_list import STAMP_FILE
from orchestrator.models import Integration, PlatformConfig

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_repeated_list_reads_nothing_from_the_database(
    api_client: object, dummy_integration: object
) -> None:
    first = api_client.get("/integrations").json()  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as queries:
        again = api_client.get("/integrations").json()  # type: ignore[attr-defined]
    assert again == first
    assert len(queries) == 0


def test_a_saved_platform_shows_in_the_next_list(api_client: object, dummy_integration: Integration) -> None:
    api_client.get("/integrations")  # type: ignore[attr-defined]
    config = PlatformConfig.objects.get(integration=dummy_integration)
    config.enabled = False
    config.save()
    assert api_client.get("/integrations").json()[0]["platforms"] == []  # type: ignore[attr-defined]


def test_a_change_made_by_another_process_shows_in_the_next_list(
    api_client: object, dummy_integration: Integration
) -> None:
    api_client.get("/integrations")  # type: ignore[attr-defined]
    # Another process (import_config) changes the row and touches the stamp; this one got no signal.
    Integration.objects.filter(pk=dummy_integration.pk).update(enabled=False)
    stamp = Path(settings.DATA_DIR) / STAMP_FILE
    stamp.touch()
    later = time.time_ns() + 1_000_000
    os.utime(stamp, ns=(later, later))
    assert api_client.get("/integrations").json()[0]["enabled"] is False  # type: ignore[attr-defined]


def test_a_deleted_integration_leaves_the_list(api_client: object, dummy_integration: Integration) -> None:
    assert len(api_client.get("/integrations").json()) == 1  # type: ignore[attr-defined]
    dummy_integration.delete()
    assert api_client.get("/integrations").json() == []  # type: ignore[attr-defined]


def _asgi_get(path: str, host: str = "localhost") -> list[httpx.Response]:
    """GET *path* twice through the ASGI application daphne runs."""
    from orchestrator.asgi import application

    async def twice() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            return [await client.get(path), await client.get(path)]

    return asyncio.run(twice())


def test_the_served_list_answers_exactly_as_django_does(dummy_integration: object) -> None:
    rendered, replayed = _asgi_get("/integrations")
    assert rendered.status_code == replayed.status_code == 200
    assert replayed.content == rendered.content
    assert {k: v for k, v in replayed.headers.items() if k != "date"} == {
        k: v for k, v in rendered.headers.items() if k != "date"
    }
    assert replayed.headers["x-frame-options"] == "DENY"


def test_exposed_mode_still_asks_for_credentials(dummy_integration: object, settings: Any) -> None:
    settings.AUTH_REQUIRED = True
    assert [r.status_code for r in _asgi_get("/integrations")] == [401, 401]


def test_a_host_django_refuses_is_refused(dummy_integration: object) -> None:
    assert [r.status_code for r in _asgi_get("/integrations", host="evil.example")] == [400, 400]
