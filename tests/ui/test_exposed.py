"""Exposed mode: every UI page and route needs a login; a session's POST needs its CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from orchestrator.models import Task
from tests.ui.test_pages import PAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def exposed(settings) -> None:
    settings.AUTH_REQUIRED = True
    settings.ALLOWED_HOSTS = ["*"]


def test_every_page_redirects_an_anonymous_browser_to_the_login(exposed, acted):
    anonymous = Client(HTTP_HOST="steward.example.com")
    for path in PAGES:
        response = anonymous.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/?next="), path


def test_anonymous_posts_and_api_calls_are_refused(exposed, acted):
    anonymous = Client(HTTP_HOST="steward.example.com")
    assert anonymous.post("/ui/run/dummy.one/").status_code == 302
    for path in ("/api/items", "/api/actions", "/api/runs"):
        response = anonymous.get(path)
        assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"}), path
    assert not Task.objects.filter(status="pending").exists()


def _operator(django_user_model, *names: str):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("owner", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="orchestrator", codename__in=names)
    )
    return user


def test_a_logged_in_browser_sees_pages_and_needs_csrf_to_post(exposed, acted, django_user_model):
    user = _operator(django_user_model, "view_activity", "run_integration", "use_chat")
    browser = Client(HTTP_HOST="steward.example.com", enforce_csrf_checks=True)
    browser.force_login(user)
    for path in PAGES:
        assert browser.get(path).status_code == 200, path
    refused = browser.post("/ui/run/dummy.one/items/")
    assert refused.status_code == 403
    token = browser.cookies["csrftoken"].value
    accepted = browser.post("/ui/run/dummy.one/items/", {"csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert Task.objects.filter(type="dummy.items.check", status="pending").count() == 1


def test_a_user_without_the_permission_gets_a_clear_refusal_and_nothing_runs(
    exposed, acted, django_user_model
):
    user = _operator(django_user_model, "view_activity")
    browser = Client(HTTP_HOST="steward.example.com")
    browser.force_login(user)
    assert browser.get("/ui/").status_code == 200
    refused = browser.post("/ui/run/dummy.one/items/")
    assert refused.status_code == 403
    assert "run_integration" in refused.content.decode()
    assert not Task.objects.filter(type="dummy.items.check", status="pending").exists()


def test_a_session_retry_over_the_api_needs_csrf_too(exposed, acted, django_user_model):
    task = Task.objects.create(type="dummy.items.check", status="failed", error="boom")
    user = _operator(django_user_model, "run_integration")
    browser = Client(HTTP_HOST="steward.example.com", enforce_csrf_checks=True)
    browser.force_login(user)
    refused = browser.post(f"/api/tasks/{task.uid}/retry")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    task.refresh_from_db()
    assert task.status == "failed"


def test_an_api_token_opens_the_pages_and_the_json_routes(exposed, acted, django_user_model):
    import io

    from django.core.management import call_command

    django_user_model.objects.create_superuser("owner", "o@example.com", "pw")
    out = io.StringIO()
    call_command("create_api_token", "phone", stdout=out)
    token = Client(HTTP_HOST="steward.example.com", HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    assert token.get("/ui/").status_code == 200
    assert token.get("/api/items").status_code == 200
