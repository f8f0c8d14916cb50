"""``/ui/shadow/``: in the navigation, its figures and buttons; in exposed mode promotion needs
a superuser and a CSRF token, and a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from orchestrator.models import AuditEntry, Integration, PlatformConfig
from tests.pipeline.driving import configure, effects, run_pipeline

pytestmark = pytest.mark.django_db

RULE = {"name": "warm", "mode": "shadow", "when": {"n": 2}, "then": {"tag": "warm"}}


@pytest.fixture
def shadowed(steward: Integration) -> PlatformConfig:
    config = configure(steward, automations=[RULE], options={"count": 3})
    run_pipeline()
    return config


def test_the_page_is_in_the_navigation_and_lists_the_shadow_rule_with_a_promote_button(
    browser_client: Client, shadowed: PlatformConfig
) -> None:
    page = browser_client.get("/ui/shadow/").content.decode()
    assert 'href="/ui/shadow/" aria-current="page"' in page
    assert "automation #1 (&#x27;warm&#x27;)" in page
    assert '<td data-figure="actions">1</td>' in page
    assert f'action="/ui/shadow/{shadowed.pk}/0/promote/"' in page
    assert 'href="/ui/shadow/"' in browser_client.get("/ui/").content.decode()


def test_the_page_says_so_when_no_rule_is_in_shadow_mode(
    browser_client: Client, steward: Integration
) -> None:
    assert "No automation is in shadow mode" in browser_client.get("/ui/shadow/").content.decode()


def test_promoting_an_edited_away_rule_is_a_message_not_an_error(
    browser_client: Client, shadowed: PlatformConfig
) -> None:
    response = browser_client.post(f"/ui/shadow/{shadowed.pk}/3/promote/", follow=True)
    assert response.status_code == 200
    assert "is not in shadow mode" in response.content.decode()


@pytest.fixture
def exposed(settings) -> None:
    settings.AUTH_REQUIRED = True
    settings.ALLOWED_HOSTS = ["*"]


def _login(django_user_model, *, superuser: bool) -> Client:
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(
        "owner", password="pw", is_staff=True, is_superuser=superuser
    )
    user.user_permissions.set(Permission.objects.filter(codename="view_activity"))
    browser = Client(HTTP_HOST="steward.example.com", enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def test_an_operator_who_is_not_a_superuser_sees_the_page_but_cannot_promote(
    exposed: None, shadowed: PlatformConfig, django_user_model
) -> None:
    browser = _login(django_user_model, superuser=False)
    assert browser.get("/ui/shadow/").status_code == 200
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        f"/ui/shadow/{shadowed.pk}/0/promote/", {"csrfmiddlewaretoken": token}, follow=True
    )
    assert "needs a superuser" in response.content.decode()
    shadowed.refresh_from_db()
    assert shadowed.automations == [RULE]


def test_a_superuser_promotes_with_csrf_and_the_audit_names_them(
    exposed: None, shadowed: PlatformConfig, django_user_model
) -> None:
    browser = _login(django_user_model, superuser=True)
    assert browser.post(f"/ui/shadow/{shadowed.pk}/0/promote/").status_code == 403  # no CSRF token
    browser.get("/ui/shadow/")
    token = browser.cookies["csrftoken"].value
    browser.post(f"/ui/shadow/{shadowed.pk}/0/promote/", {"csrfmiddlewaretoken": token})
    assert AuditEntry.objects.filter(message__startswith="owner promoted automation #1 ('warm')").exists()
    run_pipeline()
    assert [e["name"] for e in effects()] == ["warm"]
