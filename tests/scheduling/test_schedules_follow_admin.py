"""Saving and deleting integrations in the admin keeps exactly one Django-Q2 schedule per enabled platform."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from croniter import croniter
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from orchestrator.models import Integration
from orchestrator.running.config import integration_saved
from tests.admin.form_data import integration_data, platform_row

pytestmark = pytest.mark.django_db

ADD = reverse("admin:orchestrator_integration_add")
TWO_PLATFORMS = [platform_row(name="a"), platform_row(name="b")]


def change_url(integration: Integration) -> str:
    return reverse("admin:orchestrator_integration_change", args=[integration.pk])


def schedules() -> dict[str, Schedule]:
    return {s.name: s for s in Schedule.objects.all()}


def save(client, integration: Integration, rows=None, **fields) -> None:
    response = client.post(change_url(integration), integration_data(integration, rows=rows, **fields))
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.fixture
def duo(admin_client, duo_type) -> Integration:
    data = integration_data(type="duo", name="pair", schedule_every="30m", rows=TWO_PLATFORMS)
    response = admin_client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Integration.objects.get(type="duo", name="pair")


def test_create_makes_one_schedule_per_enabled_platform(duo):
    found = schedules()
    assert sorted(found) == ["steward:duo.pair:a", "steward:duo.pair:b"]
    schedule = found["steward:duo.pair:a"]
    assert (schedule.func, schedule.args) == (
        "orchestrator.running.triggers.scheduled_trigger",
        "('duo.pair', 'a')",
    )
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 30, -1)
    assert timezone.now() < schedule.next_run <= timezone.now() + timedelta(minutes=30)


def test_every_changed_to_cron_switches_type_and_recomputes_next_run(admin_client, duo):
    cron = "0 8-18 * * 1-5"
    before = timezone.localtime()
    save(admin_client, duo, schedule_every="", schedule_cron=cron)
    after = timezone.localtime()
    found = schedules()
    assert len(found) == 2
    schedule = found["steward:duo.pair:a"]
    assert (schedule.schedule_type, schedule.cron, schedule.minutes) == (Schedule.CRON, cron, None)
    # The first slot after the save, bounded on both sides so a slot passing mid-test cannot flake.
    assert croniter.match(cron, schedule.next_run)
    assert croniter(cron, before).get_next(datetime) <= schedule.next_run
    assert schedule.next_run <= croniter(cron, after).get_next(datetime)


def test_changed_cron_recomputes_next_run(admin_client, duo):
    save(admin_client, duo, schedule_every="", schedule_cron="0 3 * * *")
    first = schedules()["steward:duo.pair:a"]
    duo.refresh_from_db()
    save(admin_client, duo, schedule_cron="30 5 * * *")
    second = schedules()["steward:duo.pair:a"]
    assert second.pk == first.pk
    assert second.cron == "30 5 * * *"
    assert (second.next_run.hour, second.next_run.minute) == (5, 30)
    assert second.next_run != first.next_run


def test_disabling_the_integration_removes_its_schedules(admin_client, duo):
    save(admin_client, duo, enabled=False)
    assert schedules() == {}
    duo.refresh_from_db()
    save(admin_client, duo, enabled=True)
    assert len(schedules()) == 2


def test_disabling_a_platform_removes_only_its_schedule(admin_client, duo):
    a, b = duo.platforms.order_by("name")
    save(admin_client, duo, rows=[platform_row(a, enabled=False), platform_row(b)])
    assert list(schedules()) == ["steward:duo.pair:b"]


def test_removing_the_schedule_removes_the_rows(admin_client, duo):
    save(admin_client, duo, schedule_every="")
    assert schedules() == {}


def test_deleting_in_the_admin_removes_its_schedules(admin_client, duo, dummy_integration):
    Integration.objects.filter(pk=dummy_integration.pk).update(schedule_every="1h")
    integration_saved(integration=dummy_integration)
    response = admin_client.post(
        reverse("admin:orchestrator_integration_delete", args=[duo.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert list(schedules()) == ["steward:dummy.one:items"]


def test_bulk_delete_action_removes_their_schedules(admin_client, duo):
    response = admin_client.post(
        reverse("admin:orchestrator_integration_changelist"),
        {"action": "delete_selected", "_selected_action": [duo.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Integration.objects.exists()
    assert schedules() == {}


def test_resync_is_idempotent(duo):
    before = {name: (s.pk, s.next_run) for name, s in schedules().items()}
    integration_saved(integration=duo)
    integration_saved(integration=duo)
    assert {name: (s.pk, s.next_run) for name, s in schedules().items()} == before


def test_saving_without_changes_keeps_next_run(admin_client, duo):
    before = {name: (s.pk, s.next_run) for name, s in schedules().items()}
    save(admin_client, duo)
    assert {name: (s.pk, s.next_run) for name, s in schedules().items()} == before
