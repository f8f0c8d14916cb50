"""The automation editor's "Try on last week": the edited (unsaved) rules replayed over stored
items, the report shown, nothing saved or run."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orchestrator.models import ActionRecord, Integration
from tests.admin.form_data import integration_data, platform_row
from tests.pipeline.driving import _fresh_classifier, configure, effects, run_pipeline, steward  # noqa: F401

pytestmark = pytest.mark.django_db


def replay_url(integration: Integration) -> str:
    return reverse("admin:orchestrator_integration_replay", args=[integration.pk])


@pytest.fixture
def tagged(steward: Integration) -> Integration:  # noqa: F811
    configure(steward, automations=[{"when": {"n": 1}, "then": {"tag": "hot"}}], options={"count": 3})
    run_pipeline()
    return steward


def test_the_editor_shows_a_try_on_last_week_button_per_saved_platform(admin_client, tagged) -> None:
    page = admin_client.get(reverse("admin:orchestrator_integration_change", args=[tagged.pk])).content
    assert b'formaction="../replay/"' in page
    assert b'data-replay="items"' in page


def test_trying_edited_rules_reports_the_difference_and_saves_nothing(admin_client, tagged) -> None:
    config = tagged.platforms.get()
    edited = platform_row(config, automations="- when: {n: [1, 2]}\n  then: {tag: hot}\n")
    body = integration_data(tagged, rows=[edited]) | {"_replay_platform": "items"}
    response = admin_client.post(replay_url(tagged), body)
    assert response.status_code == 200
    report = "\n".join(response.context["lines"])
    assert "automation #1: matches 2 item(s), 2 action(s); 1 did not happen" in report
    assert '+ tag "hot" on' in report
    config.refresh_from_db()
    assert config.automations == [{"when": {"n": 1}, "then": {"tag": "hot"}}]
    assert ActionRecord.objects.count() == 1
    assert len(effects()) == 1


def test_unparseable_edited_rules_get_a_message_naming_where(admin_client, tagged) -> None:
    edited = platform_row(tagged.platforms.get(), automations="- when: {n: [1\n")
    body = integration_data(tagged, rows=[edited]) | {"_replay_platform": "items"}
    response = admin_client.post(replay_url(tagged), body)
    assert response.status_code == 200
    assert response.context["error"].startswith("automations: ")
    assert "line" in response.context["error"]


def test_a_staff_user_without_change_permission_is_refused(client, django_user_model, tagged) -> None:
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)
    response = client.post(replay_url(tagged), {"_replay_platform": "items"})
    assert response.status_code == 403
