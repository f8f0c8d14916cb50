"""API tokens in admin: created from a name, shown once, revocable, the hash never displayed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from orchestrator.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN_PATTERN = re.compile(r"stw_[A-Za-z0-9_-]{40,}")


def test_add_form_asks_only_for_a_name_and_read_only(admin_client):
    form = admin_client.get(reverse("admin:orchestrator_apitoken_add")).context["adminform"].form
    assert list(form.fields) == ["name", "read_only"]


def test_a_token_made_in_the_admin_acts_for_its_maker_and_can_be_read_only(admin_client, admin_user):
    admin_client.post(reverse("admin:orchestrator_apitoken_add"), {"name": "tv", "read_only": "on"})
    token = ApiToken.objects.get(name="tv")
    assert (token.user, token.read_only) == (admin_user, True)


def test_created_token_is_shown_once_then_only_its_name(admin_client):
    response = admin_client.post(reverse("admin:orchestrator_apitoken_add"), {"name": "laptop"}, follow=True)
    shown = TOKEN_PATTERN.findall(response.content.decode())
    assert len(shown) == 1
    token = ApiToken.objects.get(name="laptop")
    assert ApiToken.authenticate(shown[0]) == token

    for url in (
        reverse("admin:orchestrator_apitoken_changelist"),
        reverse("admin:orchestrator_apitoken_change", args=[token.pk]),
    ):
        html = admin_client.get(url).content.decode()
        assert "laptop" in html
        assert shown[0] not in html
        assert token.token_hash not in html


def test_duplicate_name_is_a_form_error(admin_client):
    ApiToken.issue("laptop")
    response = admin_client.post(reverse("admin:orchestrator_apitoken_add"), {"name": "laptop"})
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors


def test_revoke_action_revokes_the_selected_tokens(admin_client):
    token, raw = ApiToken.issue("ci")
    response = admin_client.post(
        reverse("admin:orchestrator_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "Revoked 1 token(s)" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.authenticate(raw) is None
