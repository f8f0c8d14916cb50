"""Exposed mode (docs/SECURITY.md): everything but `GET /` needs a session or an API token."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from orchestrator.models import ApiToken, Task

pytestmark = pytest.mark.django_db

RUN = "/integrations/dummy.one/run"
CSRF_SECRET = "A" * 32


def new_token(name: str = "laptop") -> str:
    out = io.StringIO()
    call_command("create_api_token", name, stdout=out)
    return out.getvalue().strip()


def test_unauthenticated_api_write_gets_401(remote_client, dummy_integration):
    response = remote_client.post(RUN)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert not Task.objects.exists()


def test_unauthenticated_api_read_gets_401(remote_client, dummy_integration):
    response = remote_client.get("/integrations")
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})


def test_health_needs_no_auth(remote_client):
    response = remote_client.get("/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_bearer_token_from_create_api_token_is_accepted(remote_client, dummy_integration, admin_user):
    token = new_token()
    response = remote_client.post(RUN, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    assert ApiToken.objects.get(name="laptop").last_used_at is not None


def test_revoked_token_gets_401(remote_client, dummy_integration):
    token = new_token()
    ApiToken.objects.filter(name="laptop").update(revoked_at="2024-01-01T00:00:00Z")
    response = remote_client.post(RUN, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})


def test_unknown_token_gets_401(remote_client, dummy_integration):
    response = remote_client.post(RUN, HTTP_AUTHORIZATION="Bearer stw_not-a-real-token")
    assert response.status_code == 401


def test_logged_in_session_with_csrf_token_works(exposed, admin_user, dummy_integration):
    client = Client(HTTP_HOST="steward.example.com", enforce_csrf_checks=True)
    client.force_login(admin_user)
    client.cookies["csrftoken"] = CSRF_SECRET
    response = client.post(RUN, HTTP_X_CSRFTOKEN=CSRF_SECRET)
    assert response.status_code == 200


def test_logged_in_session_without_csrf_token_is_refused(exposed, admin_user, dummy_integration):
    client = Client(HTTP_HOST="steward.example.com", enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(RUN)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF check failed")
    assert not Task.objects.exists()


def test_token_requests_need_no_csrf_token(remote_client, dummy_integration, admin_user):
    token = new_token()
    client = Client(HTTP_HOST="steward.example.com", enforce_csrf_checks=True)
    assert client.post(RUN, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_html_pages_redirect_to_the_login_page(remote_client):
    response = remote_client.get("/ui/queue/")
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/ui/queue/"


def test_admin_needs_a_staff_login(remote_client):
    response = remote_client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_api_docs_need_auth(remote_client):
    assert remote_client.get("/api/openapi.json").status_code == 401


def test_a_token_used_again_within_a_minute_writes_nothing(db: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, raw = ApiToken.issue("again")
    ApiToken.authenticate(raw)
    with CaptureQueriesContext(connection) as queries:
        assert ApiToken.authenticate(raw) is not None
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
