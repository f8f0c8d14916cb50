"""``config_export``: the same format back, secrets as references, byte-stable round trips."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from orchestrator.config_io.exporting import CONFIG_HEADER, config_export
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.models import (
    ChatSettings,
    Integration,
    LLMProfile,
    MirrorDirectories,
    QueuePolicy,
    QueueSettings,
    Script,
)
from tests.config_io.samples import ACCEPTANCE, FULL, FULL_SECRETS

pytestmark = pytest.mark.django_db

# The values of FULL_SECRETS under the names export generates.
EXPORTED_SECRETS = {
    "llm_default_token": "sk-live-123",
    "mailish_personal_username": "me@example.com",
    "mailish_personal_password": "hunter2",
    "oracle_default_api_key": "oracle-key-456",
}


def import_text(text: str, secrets: dict):
    return config_import(config=load_yaml(text), secrets=secrets)


def wipe_configuration() -> None:
    Integration.objects.all().delete()
    for model in (LLMProfile, Script, QueuePolicy, QueueSettings, ChatSettings, MirrorDirectories, Schedule):
        model.objects.all().delete()


def test_empty_database_exports_an_empty_config():
    assert config_export() == (CONFIG_HEADER + "{}\n", "")


def test_acceptance_config_exports_as_written():
    import_text(ACCEPTANCE, {})
    config_text, template = config_export()
    assert config_text == CONFIG_HEADER + ACCEPTANCE
    assert template == ""


def test_secrets_are_references_never_values():
    import_text(FULL, FULL_SECRETS)
    config_text, template = config_export()
    for value in FULL_SECRETS.values():
        assert value not in config_text
        assert value not in template
    assert "    token: !secret llm_default_token\n" in config_text
    assert "    password: !secret mailish_personal_password\n" in config_text
    assert "    api_key: !secret oracle_default_api_key\n" in config_text
    assert load_yaml(template) == dict.fromkeys(EXPORTED_SECRETS, "")


def test_export_writes_yolo_schedules_and_disabled_platforms_in_the_reference_form():
    import_text(FULL, FULL_SECRETS)
    config_text, _ = config_export()
    assert "            then: !yolo unsubscribe\n" in config_text
    assert (
        "              - !yolo\n                service:\n                  call: oracle.default.ask\n"
        in config_text
    )
    assert "    schedule:\n      every: 30m\n" in config_text
    assert "    schedule:\n      cron: 0 8-18 * * 1-5\n" in config_text
    assert "      sent:\n        enabled: false\n" in config_text
    assert "    on_output: audit\n" in config_text  # the human_log alias is written by its name
    assert "task_queue" not in config_text


def test_export_import_export_is_byte_stable_and_the_reimport_a_no_op():
    import_text(FULL, FULL_SECRETS)
    first_config, first_template = config_export()
    report = import_text(first_config, load_yaml(first_template))  # the unfilled template keeps secrets
    assert (report.created, report.updated) == ([], [])
    assert config_export() == (first_config, first_template)


def test_export_imports_into_an_empty_database_as_the_same_configuration():
    import_text(FULL, FULL_SECRETS)
    exported, template = config_export()
    wipe_configuration()
    import_text(exported, EXPORTED_SECRETS)
    assert config_export() == (exported, template)
    assert LLMProfile.objects.get(name="default").token == "sk-live-123"
    assert Integration.objects.get(type="oracle").secrets == {"api_key": "oracle-key-456"}
    assert Schedule.objects.filter(name="steward:mailish.personal:inbox").exists()


def test_automation_keys_are_written_in_a_fixed_order():
    import_text(
        ACCEPTANCE + "        automations:\n"
        "          - then: {tag: x}\n            when: {n: 1}\n            name: first\n",
        {},
    )
    config_text, _ = config_export()
    assert (
        "          - name: first\n            when:\n              n: 1\n"
        "            then:\n              tag: x\n" in config_text
    )


def test_rows_made_elsewhere_round_trip_too():
    LLMProfile.objects.create(name="fast", base_url="http://127.0.0.1:8080", max_concurrency=3)
    QueuePolicy.objects.create(task_type="chat.*")
    ChatSettings.objects.create(pk=1, system_prompt="")
    first, template = config_export()
    import_text(first, {})
    assert config_export() == (first, template)
    assert "  fast:\n    base_url: http://127.0.0.1:8080\n    max_concurrency: 3\n" in first
    assert "queue_policies:\n  overrides:\n    chat.*: {}\n" in first
    assert "chat:\n  system_prompt: ''\n" in first
