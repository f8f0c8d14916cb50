"""Local mode (the default): curl works without credentials, cross-site browser writes are refused."""

from __future__ import annotations

import pytest
from django.conf import settings

from orchestrator.models import Task

pytestmark = pytest.mark.django_db

RUN = "/integrations/dummy.one/run"


def test_local_mode_is_the_default_and_allows_only_local_host_names():
    assert settings.AUTH_REQUIRED is False
    assert "*" not in settings.ALLOWED_HOSTS


def test_curl_without_origin_needs_no_credentials(api_client, dummy_integration):
    assert api_client.post(RUN).status_code == 200


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost.evil.example", "null"])
def test_cross_site_browser_post_is_refused_and_nothing_is_queued(api_client, dummy_integration, origin):
    response = api_client.post(RUN, HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert "Cross-site request refused" in response.json()["detail"]
    assert not Task.objects.exists()


def test_same_site_browser_post_is_allowed(dummy_integration):
    from django.test import Client

    page = Client(HTTP_HOST="localhost:6767")  # what a browser sends for http://localhost:6767/...
    assert page.post(RUN, HTTP_ORIGIN="http://localhost:6767").status_code == 200


def test_dns_rebinding_host_is_refused(dummy_integration):
    from django.test import Client

    response = Client(HTTP_HOST="attacker.example").post(RUN)
    assert response.status_code == 400
    assert not Task.objects.exists()
