"""Queue, chat and mirror settings are single rows: the list is that row, no second add, no delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orchestrator.models import ChatSettings, MirrorDirectories, QueueSettings

pytestmark = pytest.mark.django_db

SINGLETONS = [QueueSettings, ChatSettings, MirrorDirectories]


@pytest.mark.parametrize("model", SINGLETONS)
def test_changelist_redirects_to_the_one_row(admin_client, model):
    response = admin_client.get(reverse(f"admin:orchestrator_{model._meta.model_name}_changelist"))
    row = model.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(f"admin:orchestrator_{model._meta.model_name}_change", args=[row.pk])


@pytest.mark.parametrize("model", SINGLETONS)
def test_no_add_when_the_row_exists_and_no_delete(admin_client, model):
    row = model.load()
    name = model._meta.model_name
    assert admin_client.get(reverse(f"admin:orchestrator_{name}_add")).status_code == 403
    assert admin_client.get(reverse(f"admin:orchestrator_{name}_delete", args=[row.pk])).status_code == 403
    assert model.objects.count() == 1


def test_queue_settings_are_validated(admin_client):
    row = QueueSettings.load()
    url = reverse("admin:orchestrator_queuesettings_change", args=[row.pk])
    response = admin_client.post(url, {"retention": "7x", "deduplicate_pending": "on"})
    assert response.status_code == 200
    assert "retention" in response.context["adminform"].form.errors


def test_site_header_is_steward(admin_client):
    assert '<a href="/admin/">Steward</a>' in admin_client.get(reverse("admin:index")).content.decode()
