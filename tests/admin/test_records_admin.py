"""The admin shows what the README says: read-only records, one task list, "View site" → /ui/."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from orchestrator.audit import audit
from orchestrator.models import ActionRecord, Approval, Integration, Note, PlatformConfig

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["actionrecord", "approval", "note", "auditentry"])
def test_records_are_listed_and_cannot_be_added(admin_client: Client, page: str) -> None:
    assert admin_client.get(f"/admin/orchestrator/{page}/").status_code == 200
    assert admin_client.get(f"/admin/orchestrator/{page}/add/").status_code == 403


def test_an_audit_entry_and_an_action_show_read_only(admin_client: Client) -> None:
    audit("Archived 'Weekly news'", integration_id="email.personal", provenance="rule")
    record = ActionRecord.objects.create(
        ledger_key="k1",
        integration_id="email.personal",
        action="archive",
        provenance="rule",
        tier="reversible",
    )
    Note.objects.create(title="Summary", body="# Hello")
    Approval.objects.create(source="rule", action="unsubscribe", provenance="rule", expires_at=timezone.now())

    listing = admin_client.get("/admin/orchestrator/auditentry/").content.decode()
    assert "Archived &#x27;Weekly news&#x27;" in listing
    page = admin_client.get(f"/admin/orchestrator/actionrecord/{record.pk}/change/").content.decode()
    assert "archive" in page
    assert 'name="_save"' not in page  # no save button: read-only


def test_view_site_goes_to_the_dashboard(admin_client: Client) -> None:
    assert 'href="/ui/"' in admin_client.get("/admin/").content.decode()


def test_django_q2_tables_are_hidden_so_there_is_one_task_list(admin_client: Client) -> None:
    index = admin_client.get("/admin/").content.decode()
    assert "/admin/orchestrator/task/" in index
    assert "/admin/django_q/" not in index


def test_an_existing_integration_shows_no_empty_extra_platform(admin_client: Client) -> None:
    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 3})

    page = admin_client.get(f"/admin/orchestrator/integration/{integration.pk}/change/").content.decode()

    assert "Platform config: #2" not in page
    assert 'name="platforms-TOTAL_FORMS" value="1"' in page
