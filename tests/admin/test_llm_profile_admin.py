"""LLM profile admin: the token is a write-only password box; off-machine backends are flagged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orchestrator.models import LLMProfile
from tests.admin.form_data import llm_profile_data
from tests.admin.secret_box import assert_stored_value_hidden

pytestmark = pytest.mark.django_db

TOKEN = "sk-test-do-not-show-0123456789"


@pytest.fixture
def remote_profile() -> LLMProfile:
    return LLMProfile.objects.create(
        name="remote", base_url="https://api.example.com/v1", model="gpt", token=TOKEN
    )


def change_url(profile: LLMProfile) -> str:
    return reverse("admin:orchestrator_llmprofile_change", args=[profile.pk])


def test_token_is_never_rendered_back(admin_client, remote_profile):
    html = admin_client.get(change_url(remote_profile)).content.decode()
    assert 'type="password"' in html
    assert_stored_value_hidden(html, TOKEN)


def test_token_is_not_rendered_back_on_a_form_error(admin_client, remote_profile):
    response = admin_client.post(
        change_url(remote_profile), llm_profile_data(remote_profile, timeout_s="0", token=TOKEN)
    )
    assert response.status_code == 200
    assert TOKEN not in response.content.decode()


def test_blank_token_keeps_the_stored_value(admin_client, remote_profile):
    response = admin_client.post(change_url(remote_profile), llm_profile_data(remote_profile, model="gpt-2"))
    assert response.status_code == 302
    remote_profile.refresh_from_db()
    assert (remote_profile.model, remote_profile.token) == ("gpt-2", TOKEN)


def test_new_token_replaces_the_stored_one(admin_client, remote_profile):
    admin_client.post(change_url(remote_profile), llm_profile_data(remote_profile, token="sk-new"))
    remote_profile.refresh_from_db()
    assert remote_profile.token == "sk-new"


def test_clear_checkbox_removes_the_token(admin_client, remote_profile):
    admin_client.post(change_url(remote_profile), llm_profile_data(remote_profile, token_clear="on"))
    remote_profile.refresh_from_db()
    assert remote_profile.token == ""


def test_new_token_and_clear_together_is_an_error(admin_client, remote_profile):
    response = admin_client.post(
        change_url(remote_profile), llm_profile_data(remote_profile, token="x", token_clear="on")
    )
    assert response.status_code == 200
    assert "token" in response.context["adminform"].form.errors


def test_remote_profile_warns_that_data_leaves_this_machine(admin_client, remote_profile):
    assert "data leaves this machine" in admin_client.get(change_url(remote_profile)).content.decode()
    response = admin_client.post(change_url(remote_profile), llm_profile_data(remote_profile), follow=True)
    assert "data leaves this machine" in response.content.decode()


def test_local_profile_has_no_warning(admin_client):
    profile = LLMProfile.objects.create(name="local", base_url="http://127.0.0.1:11434", model="llama")
    assert "data leaves this machine" not in admin_client.get(change_url(profile)).content.decode()


def test_parameters_are_edited_as_yaml(admin_client, remote_profile):
    admin_client.post(
        change_url(remote_profile), llm_profile_data(remote_profile, parameters="temperature: 0.2\n")
    )
    remote_profile.refresh_from_db()
    assert remote_profile.parameters == {"temperature": 0.2}
