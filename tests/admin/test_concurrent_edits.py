"""Two people editing the same config row: the second save is refused, with what differs, not lost."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from orchestrator.models import ChatSettings, Integration, LLMProfile, QueuePolicy
from tests.admin.form_data import llm_profile_data

pytestmark = pytest.mark.django_db

CONFLICT = "changed by someone else since you opened it"


@pytest.fixture
def profile() -> LLMProfile:
    return LLMProfile.objects.create(
        name="remote", base_url="http://127.0.0.1:11434/v1", model="qwen", token="t0"
    )


def opened(client: Client, url: str) -> dict[str, str]:
    """The form as a browser loaded it: the fields it would send back, opened_version included."""
    html = client.get(url).content.decode()
    version = re.search(r'name="opened_version" value="(\d+)"', html)
    assert version is not None, "the change form carries the version it was opened on"
    return {"opened_version": version.group(1)}


def test_the_second_save_of_an_llm_profile_is_refused_with_a_diff(admin_client, profile):
    url = reverse("admin:orchestrator_llmprofile_change", args=[profile.pk])
    alice, bob = opened(admin_client, url), opened(admin_client, url)

    first = admin_client.post(url, llm_profile_data(profile, model="llama3", **alice))
    assert first.status_code == 302
    second = admin_client.post(url, llm_profile_data(profile, timeout_s="30", **bob))

    assert second.status_code == 200
    message = " ".join(second.context["adminform"].form.non_field_errors())
    assert f"This LLM profile was {CONFLICT} (you opened version 1, it is now version 2)" in message
    assert "model: saved 'llama3', yours 'qwen'" in message
    assert "timeout_s: saved 120, yours 30" in message
    assert "t0" not in message
    profile.refresh_from_db()
    assert (profile.model, profile.timeout_s, profile.version) == ("llama3", 120, 2)
    # What Bob typed is still in his form.
    assert 'value="30"' in second.content.decode()


def test_saving_again_after_reloading_works(admin_client, profile):
    url = reverse("admin:orchestrator_llmprofile_change", args=[profile.pk])
    assert (
        admin_client.post(url, llm_profile_data(profile, model="a", **opened(admin_client, url))).status_code
        == 302
    )
    profile.refresh_from_db()
    assert (
        admin_client.post(url, llm_profile_data(profile, model="b", **opened(admin_client, url))).status_code
        == 302
    )
    profile.refresh_from_db()
    assert (profile.model, profile.version) == ("b", 3)


def test_an_import_or_any_other_save_also_makes_an_open_form_stale(admin_client, profile):
    url = reverse("admin:orchestrator_llmprofile_change", args=[profile.pk])
    form = opened(admin_client, url)
    LLMProfile.objects.get(pk=profile.pk).save()  # e.g. import_config updating the profile
    response = admin_client.post(url, llm_profile_data(profile, **form))
    assert CONFLICT in " ".join(response.context["adminform"].form.non_field_errors())


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (QueuePolicy, lambda: QueuePolicy.objects.create(task_type="x.y")),
        (ChatSettings, lambda: ChatSettings.load()),
        (Integration, lambda: Integration.objects.create(type="dummy", name="one")),
    ],
)
def test_every_config_admin_carries_the_version(admin_client, model, make):
    row = make()
    url = reverse(f"admin:orchestrator_{model._meta.model_name}_change", args=[row.pk])
    assert opened(admin_client, url) == {"opened_version": str(row.version)}
