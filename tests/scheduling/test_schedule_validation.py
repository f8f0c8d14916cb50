"""Bad schedules are refused where they are entered, with an error on the field that is wrong."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_q.models import Schedule

from orchestrator.models import Integration
from tests.admin.form_data import integration_data

pytestmark = pytest.mark.django_db

ADD = reverse("admin:orchestrator_integration_add")

CASES = [
    pytest.param(
        {"schedule_every": "90x"}, "schedule_every", "every: '90x' is not a duration", id="every-90x"
    ),
    pytest.param(
        {"schedule_every": "30s"}, "schedule_every", "shorter than the minimum of 1m", id="every-30s"
    ),
    pytest.param({"schedule_every": "90s"}, "schedule_every", "whole number of minutes", id="every-90s"),
    pytest.param(
        {"schedule_cron": "61 * * * *"}, "schedule_cron", "not a 5-field cron", id="cron-bad-minute"
    ),
    pytest.param({"schedule_cron": "0 8 * * * *"}, "schedule_cron", "not a 5-field cron", id="cron-6-fields"),
    pytest.param(
        {"schedule_every": "30m", "schedule_cron": "0 8 * * *"}, "schedule_cron", "not both", id="both-given"
    ),
]


@pytest.mark.parametrize(("fields", "field", "message"), CASES)
def test_admin_add_view_shows_the_error_on_the_field(admin_client, fields, field, message):
    response = admin_client.post(ADD, integration_data(**fields))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not Integration.objects.exists()
    assert not Schedule.objects.exists()


@pytest.mark.parametrize(("fields", "field", "message"), CASES)
def test_admin_change_view_shows_the_error_and_keeps_the_schedule(
    admin_client, dummy_integration, fields, field, message
):
    url = reverse("admin:orchestrator_integration_change", args=[dummy_integration.pk])
    assert admin_client.post(url, integration_data(dummy_integration, schedule_every="1h")).status_code == 302
    dummy_integration.refresh_from_db()
    response = admin_client.post(
        url, integration_data(dummy_integration, **({"schedule_every": ""} | fields))
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert Schedule.objects.get().minutes == 60


@pytest.mark.parametrize(("fields", "field", "message"), CASES)
def test_full_clean_names_the_field(fields, field, message):
    integration = Integration(type="dummy", name="one", **fields)
    with pytest.raises(ValidationError) as caught:
        integration.full_clean()
    assert message in " ".join(caught.value.message_dict[field])


@pytest.mark.parametrize(
    "fields", [{"schedule_every": "1m"}, {"schedule_every": "2h"}, {"schedule_cron": "0 8-18 * * 1-5"}]
)
def test_valid_schedules_pass(fields):
    Integration(type="dummy", name="one", **fields).full_clean()
