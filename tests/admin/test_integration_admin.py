"""The integration admin: type from the registry, YAML/JSON text, secrets never shown back, warnings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orchestrator.models import Integration, PlatformConfig
from tests.admin.form_data import integration_data, platform_row
from tests.admin.secret_box import assert_stored_value_hidden

pytestmark = pytest.mark.django_db

ADD = reverse("admin:orchestrator_integration_add")
PASSWORD = "hunter2-correct-horse"


def change_url(integration: Integration) -> str:
    return reverse("admin:orchestrator_integration_change", args=[integration.pk])


def form_errors(response) -> dict[str, list[str]]:
    return response.context["adminform"].form.errors


def inline_errors(response) -> list[dict[str, list[str]]]:
    return response.context["inline_admin_formsets"][0].formset.errors


@pytest.fixture
def locked(db, locked_type) -> Integration:
    integration = Integration.objects.create(
        type="locked", name="vault", settings={"server": "imap.example.com"}, secrets={"password": PASSWORD}
    )
    PlatformConfig.objects.create(integration=integration, name="items")
    return integration


def test_add_creates_integration_and_platform(admin_client):
    response = admin_client.post(ADD, integration_data(settings="{}"))
    assert response.status_code == 302, form_errors(response)
    integration = Integration.objects.get(type="dummy", name="one")
    assert integration.enabled_platform_names() == ["items"]


def test_type_is_a_choice_from_the_registry(admin_client):
    response = admin_client.post(ADD, integration_data(type="nope"))
    assert response.status_code == 200
    assert "type" in form_errors(response)
    assert '<option value="dummy">dummy</option>' in admin_client.get(ADD).content.decode()


def test_settings_accept_yaml_and_json(admin_client, locked_type):
    response = admin_client.post(ADD, integration_data(type="locked", name="a", settings="server: imap.a"))
    assert response.status_code == 302, form_errors(response)
    response = admin_client.post(
        ADD, integration_data(type="locked", name="b", settings='{"server": "imap.b"}')
    )
    assert response.status_code == 302, form_errors(response)
    assert Integration.objects.get(name="a").settings == {"server": "imap.a"}
    assert Integration.objects.get(name="b").settings == {"server": "imap.b"}


def test_settings_outside_the_schema_are_an_error_on_settings(admin_client, locked_type):
    response = admin_client.post(ADD, integration_data(type="locked", settings="port: 993"))
    assert response.status_code == 200
    assert "port" in " ".join(form_errors(response)["settings"])


def test_secret_is_never_rendered_back(admin_client, locked):
    html = admin_client.get(change_url(locked)).content.decode()
    assert 'name="secret_password"' in html
    assert_stored_value_hidden(html, PASSWORD)


def test_secret_is_not_rendered_back_when_the_form_has_errors(admin_client, locked):
    data = integration_data(locked, schedule_every="90x", secret_password="new-" + PASSWORD)
    response = admin_client.post(change_url(locked), data)
    assert response.status_code == 200
    assert PASSWORD not in response.content.decode()


def test_blank_secret_keeps_the_stored_value(admin_client, locked):
    response = admin_client.post(change_url(locked), integration_data(locked, secret_password=""))
    assert response.status_code == 302, form_errors(response)
    locked.refresh_from_db()
    assert locked.secrets == {"password": PASSWORD}


def test_new_secret_replaces_and_clear_removes(admin_client, locked):
    admin_client.post(change_url(locked), integration_data(locked, secret_api_key="key-1"))
    locked.refresh_from_db()
    assert locked.secrets == {"password": PASSWORD, "api_key": "key-1"}
    admin_client.post(change_url(locked), integration_data(locked, secret_password_clear=True))
    locked.refresh_from_db()
    assert locked.secrets == {"api_key": "key-1"}


def test_secrets_are_stored_encrypted(admin_client, locked):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM orchestrator_integration WHERE id = %s", [locked.pk])
        (stored,) = cursor.fetchone()
    assert PASSWORD not in stored


def test_secret_of_another_type_is_a_field_error(admin_client, locked_type):
    # The add view offers every type's secrets; one the chosen type does not declare is refused.
    data = integration_data(type="dummy", secret_password=PASSWORD)
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    assert "not a secret of type 'dummy'" in " ".join(form_errors(response)["secret_password"])


def test_type_and_name_are_read_only_once_created(admin_client, dummy_integration):
    data = integration_data(dummy_integration, name="renamed", type="locked")
    assert admin_client.post(change_url(dummy_integration), data).status_code == 302
    dummy_integration.refresh_from_db()
    assert dummy_integration.integration_id == "dummy.one"


def test_malformed_yaml_in_automations_is_a_form_error_not_a_500(admin_client, dummy_integration):
    (platform,) = dummy_integration.platforms.all()
    bad = "- when:\n    n: 1\n  then: [tag: x\n"
    data = integration_data(dummy_integration, rows=[platform_row(platform, automations=bad)])
    response = admin_client.post(change_url(dummy_integration), data)
    assert response.status_code == 200
    (message,) = inline_errors(response)[0]["automations"]
    assert message.startswith("Automations: invalid YAML at line ")
    assert bad in response.content.decode()  # what the person typed is shown back to fix


def test_malformed_json_names_its_line(admin_client, dummy_integration):
    (platform,) = dummy_integration.platforms.all()
    data = integration_data(
        dummy_integration, rows=[platform_row(platform, classifications='{\n "a": "x"\n "b": "y"\n}')]
    )
    response = admin_client.post(change_url(dummy_integration), data)
    (message,) = inline_errors(response)[0]["classifications"]
    assert "invalid JSON at line 3" in message


def test_classifications_and_automations_are_saved_from_yaml(admin_client, dummy_integration):
    (platform,) = dummy_integration.platforms.all()
    row = platform_row(
        platform,
        classifications="interesting: is this interesting?\n",
        automations="- when: {n: 1}\n  then: [{tag: first}]\n",
    )
    response = admin_client.post(
        change_url(dummy_integration), integration_data(dummy_integration, rows=[row])
    )
    assert response.status_code == 302, inline_errors(response)
    platform.refresh_from_db()
    assert platform.classifications == {"interesting": "is this interesting?"}
    assert platform.automations == [{"when": {"n": 1}, "then": [{"tag": "first"}]}]


def test_structurally_wrong_automation_is_an_error_on_automations(admin_client, dummy_integration):
    (platform,) = dummy_integration.platforms.all()
    row = platform_row(platform, automations="- when: {n: 1}\n")
    response = admin_client.post(
        change_url(dummy_integration), integration_data(dummy_integration, rows=[row])
    )
    assert response.status_code == 200
    assert "then" in " ".join(inline_errors(response)[0]["automations"])


def test_unknown_platform_is_an_error_on_the_platform_name(admin_client):
    response = admin_client.post(ADD, integration_data(rows=[platform_row(name="nope")]))
    assert response.status_code == 200
    assert "Unknown platform 'nope'" in " ".join(inline_errors(response)[0]["name"])


def test_yolo_automation_shows_a_warning_on_save_and_on_the_change_page(admin_client, dummy_integration):
    (platform,) = dummy_integration.platforms.all()
    row = platform_row(
        platform, automations="- when: {classification.interesting: 0.9}\n  then: !yolo {shout: hi}\n"
    )
    response = admin_client.post(
        change_url(dummy_integration), integration_data(dummy_integration, rows=[row]), follow=True
    )
    assert "is !yolo: it runs without the safety gate or approval" in response.content.decode()
    platform.refresh_from_db()
    assert platform.automations[0]["then"] == {"yolo": {"shout": "hi"}}
    page = admin_client.get(change_url(dummy_integration)).content.decode()
    assert "In dummy.one/items, automation #1" in page
    assert "!yolo" in page


def test_json_yolo_spelling_also_warns(admin_client, dummy_integration):
    PlatformConfig.objects.update(automations=[{"when": {}, "then": [{"yolo": {"shout": "hi"}}]}])
    assert (
        "is !yolo: it runs without the safety gate or approval"
        in admin_client.get(change_url(dummy_integration)).content.decode()
    )


def test_no_warning_without_yolo(admin_client, dummy_integration):
    PlatformConfig.objects.update(automations=[{"when": {"n": 1}, "then": [{"tag": "x"}]}])
    assert (
        "is !yolo: it runs without the safety gate or approval"
        not in admin_client.get(change_url(dummy_integration)).content.decode()
    )


def test_changelist_shows_id_schedule_and_platforms(admin_client, dummy_integration):
    Integration.objects.update(schedule_every="30m")
    html = admin_client.get(reverse("admin:orchestrator_integration_changelist")).content.decode()
    assert "dummy.one" in html
    assert "every 30m" in html


def test_llm_driven_irreversible_action_without_yolo_is_refused_on_automations(
    admin_client, dummy_integration
):
    (platform,) = dummy_integration.platforms.all()
    row = platform_row(
        platform, automations="- when: {classification.interesting: 0.9}\n  then: {shout: hi}\n"
    )
    response = admin_client.post(
        change_url(dummy_integration), integration_data(dummy_integration, rows=[row])
    )
    assert response.status_code == 200
    assert "Refused" in " ".join(inline_errors(response)[0]["automations"])


def test_on_blocked_ask_is_saved_with_a_notice(admin_client, dummy_integration):
    (platform,) = dummy_integration.platforms.all()
    rule = "- when: {classification.interesting: 0.9}\n  then: {shout: hi}\n  on_blocked: ask\n"
    data = integration_data(dummy_integration, rows=[platform_row(platform, automations=rule)])
    response = admin_client.post(change_url(dummy_integration), data, follow=True)
    assert "waits for your approval" in response.content.decode()
