"""Scripts are code execution: only superusers may see or edit them (docs/SECURITY.md)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orchestrator.models import Script

pytestmark = pytest.mark.django_db


@pytest.fixture
def script() -> Script:
    return Script.objects.create(name="notify_phone", shell="echo hi", inputs=["subject"])


@pytest.mark.parametrize("view", ["changelist", "add"])
def test_staff_without_superuser_cannot_reach_script_admin(staff_client, view):
    assert staff_client.get(reverse(f"admin:orchestrator_script_{view}")).status_code == 403


@pytest.mark.parametrize("view", ["change", "delete"])
def test_staff_without_superuser_cannot_open_a_script(staff_client, script, view):
    response = staff_client.get(reverse(f"admin:orchestrator_script_{view}", args=[script.pk]))
    assert response.status_code in {302, 403}  # the admin redirects to the index for an invisible object
    assert "echo hi" not in response.content.decode()


def test_staff_cannot_post_a_script(staff_client):
    data = {"name": "evil", "shell": "rm -rf ~", "inputs": "", "timeout": "10", "output": "", "on_output": ""}
    staff_client.post(reverse("admin:orchestrator_script_add"), data)
    assert not Script.objects.filter(name="evil").exists()


def test_scripts_are_not_listed_for_staff(staff_client):
    html = staff_client.get(reverse("admin:index")).content.decode()
    assert "Integrations" in html
    assert "Scripts" not in html


def test_superuser_adds_a_script_with_yaml_inputs(admin_client):
    data = {"name": "notify", "shell": "echo $STEWARD_INPUT_SUBJECT", "inputs": "[subject]", "timeout": "30"}
    response = admin_client.post(reverse("admin:orchestrator_script_add"), data)
    assert response.status_code == 302
    assert Script.objects.get(name="notify").inputs == ["subject"]
