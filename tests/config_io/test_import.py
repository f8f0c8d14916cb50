"""``config_import``: atomic, idempotent, every problem named by the path of its key (docs/CONFIG.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_q.models import Schedule

from orchestrator import models
from orchestrator.config_io.document import ConfigError
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from tests.config_io.samples import ACCEPTANCE, FULL, FULL_SECRETS

pytestmark = pytest.mark.django_db


def run_import(text: str, secrets: dict | None = None):
    return config_import(config=load_yaml(text), secrets=secrets or {})


def problems_of(text: str, secrets: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as failure:
        run_import(text, secrets)
    return failure.value.problems


def test_acceptance_config_lists_the_integration(api_client):
    run_import(ACCEPTANCE)
    assert api_client.get("/integrations").json() == [
        {"id": "dummy.one", "type": "dummy", "name": "one", "enabled": True, "platforms": ["items"]}
    ]
    assert models.PlatformConfig.objects.get().options == {"count": 3}


def test_misspelled_platform_option_is_named_by_its_path_and_nothing_is_written():
    text = ACCEPTANCE.replace("count: 3", "countt: 3")
    assert problems_of(text) == [
        "integrations[0].platforms.items.countt: unknown key; valid keys: "
        "automations, classifications, count, die_once, enabled, mode, mood"
    ]
    assert not models.Integration.objects.exists()


def test_reference_path_of_a_misspelled_inbox_option():
    text = "integrations:\n  - {type: mailish, name: p, platforms: {inbox: {limitt: 5}}}\n"
    (problem,) = problems_of(text)
    assert problem.startswith("integrations[0].platforms.inbox.limitt: unknown key; valid keys: ")
    assert "limit" in problem
    assert "window" in problem


def test_a_bad_second_integration_leaves_the_first_unsaved():
    text = ACCEPTANCE + "  - type: dummy\n    name: two\n    schedulee: {every: 30m}\n"
    assert problems_of(text) == [
        "integrations[1].schedulee: unknown key; valid keys: enabled, llm, name, platforms, schedule, type"
    ]
    assert not models.Integration.objects.exists()
    assert not models.PlatformConfig.objects.exists()


def test_a_bad_script_rolls_back_everything_before_it():
    text = FULL.replace("    timeout: 30\n", "    timeout: thirty\n")
    assert "scripts.notify_phone.timeout: expected a whole number, got 'thirty'" in problems_of(
        text, FULL_SECRETS
    )
    assert not models.LLMProfile.objects.exists()
    assert not models.Script.objects.exists()


def test_unknown_top_level_key_lists_the_sections():
    assert problems_of("llm: {}\n") == [
        "llm: unknown key; valid keys: chat, directories, integrations, llms, queue_policies, scripts"
    ]


def test_unknown_keys_in_fixed_sections_name_their_path():
    text = (
        "llms:\n  default: {base_url: http://x, tokn: abc}\n"
        "scripts:\n  s: {shel: echo}\n"
        "queue_policies:\n  overrides:\n    'service.*': {rate_limit: {maxx: 3}}\n"
        "chat: {prompt: hi}\n"
    )
    problems = problems_of(text)
    assert problems[0].startswith("llms.default.tokn: unknown key; valid keys: backend, base_url, ")
    assert problems[1].startswith("scripts.s.shel: unknown key; valid keys: description, inputs, ")
    assert problems[2] == "chat.prompt: unknown key; valid keys: llm, system_prompt"
    assert (
        problems[3]
        == 'queue_policies.overrides["service.*"].rate_limit.maxx: unknown key; valid keys: max, per'
    )


def test_unknown_automation_and_classification_keys_name_their_path():
    text = ACCEPTANCE + (
        "        classifications:\n          kind: {promt: what kind}\n"
        "        automations:\n          - whenn: {n: 1}\n            then: {tag: x}\n"
    )
    assert problems_of(text) == [
        "integrations[0].platforms.items.classifications.kind.promt: unknown key; "
        "valid keys: prompt, type, values",
        "integrations[0].platforms.items.automations[0].whenn: unknown key; "
        "valid keys: mode, name, on_blocked, then, when",
    ]


def test_reimport_changes_nothing():
    first = run_import(FULL, FULL_SECRETS)
    stamp = models.Integration.objects.get(type="mailish").updated_at
    second = run_import(FULL, FULL_SECRETS)
    assert first.created
    assert not first.updated
    assert (second.created, second.updated) == ([], [])
    assert sorted(second.unchanged) == sorted(first.created)
    assert models.Integration.objects.get(type="mailish").updated_at == stamp
    assert models.Integration.objects.count() == 3
    assert models.LLMProfile.objects.count() == 2


def test_reimport_updates_by_id():
    run_import(ACCEPTANCE)
    report = run_import(ACCEPTANCE.replace("count: 3", "count: 7"))
    assert report.updated == ["platform dummy.one/items"]
    assert models.PlatformConfig.objects.get().options == {"count": 7}
    assert models.Integration.objects.count() == 1


def test_full_config_maps_every_section_to_its_model():
    report = run_import(FULL, FULL_SECRETS)
    mail = models.Integration.objects.get(type="mailish", name="personal")
    assert mail.settings == {"server": "imap.example.com", "port": 993, "folders": ["INBOX", "Receipts"]}
    assert mail.secrets == {"username": "me@example.com", "password": "hunter2"}
    assert (mail.schedule_every, mail.schedule_cron, mail.llm.name) == ("30m", "", "default")
    inbox = mail.platforms.get(name="inbox")
    assert inbox.options == {"limit": 50, "window": "7d"}
    assert inbox.classifications["human"] == "is this a personal email written by a human?"
    assert inbox.automations[1]["then"] == {"yolo": "unsubscribe"}
    assert inbox.automations[2]["then"][1] == {
        "yolo": {
            "service": {"call": "oracle.default.ask", "inputs": {"prompt": "What does {{ domain }} want?"}}
        }
    }
    assert mail.platforms.get(name="sent").enabled is False
    dummy = models.Integration.objects.get(type="dummy")
    assert (dummy.enabled, dummy.schedule_cron) == (False, "0 8-18 * * 1-5")
    assert models.LLMProfile.objects.get(name="default").token == "sk-live-123"
    assert models.LLMProfile.objects.get(name="local").backend == "embedded"
    script = models.Script.objects.get()
    assert (script.timeout, script.on_output, script.output) == (30, "audit", "RESULT")
    assert models.ChatSettings.objects.get().llm.name == "default"
    queue = models.QueueSettings.objects.get()
    assert (queue.retention, queue.rate_limit_max, queue.rate_limit_per) == ("14d", 100, "1h")
    assert models.QueuePolicy.objects.get(task_type="service.*").deduplicate_pending is False
    assert models.MirrorDirectories.objects.get().notes == "./data/notes"
    assert "directories.task_queue: ignored — Steward keeps this in its database, not in a directory" in (
        report.notices
    )


def test_import_syncs_schedules():
    run_import(ACCEPTANCE.replace("    name: one\n", "    name: one\n    schedule: {every: 2h}\n"))
    schedule = Schedule.objects.get(name="steward:dummy.one:items")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 120)


def test_platform_enabled_by_mapping_value_and_disabled_by_flag():
    run_import(
        "integrations:\n  - type: mailish\n    name: p\n    platforms:\n      inbox: {}\n"
        "      sent: {enabled: false}\n"
    )
    assert dict(models.PlatformConfig.objects.values_list("name", "enabled")) == {
        "inbox": True,
        "sent": False,
    }


def test_platform_left_out_of_the_file_is_disabled_not_deleted():
    run_import(ACCEPTANCE)
    report = run_import("integrations:\n  - {type: dummy, name: one}\n")
    assert models.PlatformConfig.objects.get().enabled is False
    assert report.updated == ["platform dummy.one/items (disabled)"]


def test_classifications_left_out_mean_the_type_defaults():
    run_import(ACCEPTANCE)
    assert models.PlatformConfig.objects.get().classifications is None


def test_missing_secret_names_the_key_and_where_it_is_used():
    problems = problems_of(FULL, {"personal_email_password": "x"})
    assert "llms.default.token: `!secret openai_token` is not defined in the secrets file" in problems
    assert "integrations[1].api_key: `!secret oracle_api_key` is not defined in the secrets file" in problems
    assert not models.LLMProfile.objects.exists()


def test_empty_secret_keeps_the_stored_value():
    run_import(FULL, FULL_SECRETS)
    run_import(FULL, dict.fromkeys(FULL_SECRETS, ""))
    assert models.LLMProfile.objects.get(name="default").token == "sk-live-123"
    assert models.Integration.objects.get(type="mailish").secrets["password"] == "hunter2"


def test_empty_secret_with_nothing_stored_is_an_error():
    problems = problems_of(FULL, FULL_SECRETS | {"oracle_api_key": ""})
    expected = (
        "integrations[1].api_key: `!secret oracle_api_key` is empty in the secrets file "
        "and nothing is stored yet"
    )
    assert problems[0] == expected


def test_secret_on_a_plain_setting_is_refused():
    text = "integrations:\n  - {type: mailish, name: p, server: !secret host}\n"
    assert problems_of(text, {"host": "h"}) == [
        "integrations[0].server: `!secret host` is only allowed on a secret field "
        "(type mailish's secret fields are: username, password)"
    ]


def test_secret_given_inline_is_stored_encrypted_with_a_notice():
    report = run_import("integrations:\n  - {type: mailish, name: p, password: hunter2}\n")
    assert models.Integration.objects.get().secrets == {"password": "hunter2"}
    assert report.notices == [
        "integrations[0].password: a secret written in the config file itself; it is stored encrypted and "
        "export writes it as a !secret reference"
    ]


def test_undefined_llm_profile_names_the_field():
    assert problems_of("integrations:\n  - {type: dummy, name: one, llm: fast}\n") == [
        "integrations[0].llm: LLM profile 'fast' is not defined; defined profiles: none"
    ]


def test_llm_profile_already_stored_may_be_referenced():
    models.LLMProfile.objects.create(name="fast", base_url="http://localhost:11434")
    run_import("integrations:\n  - {type: dummy, name: one, llm: fast}\n")
    assert models.Integration.objects.get().llm.name == "fast"


def test_duplicate_integration_id_is_an_error():
    text = ACCEPTANCE + "  - {type: dummy, name: one}\n"
    assert problems_of(text) == [
        "integrations[1]: duplicate integration dummy.one (already defined at integrations[0])"
    ]


def test_unknown_type_lists_the_valid_types():
    (problem,) = problems_of("integrations:\n  - {type: nonesuch, name: default}\n")
    assert problem.startswith("integrations[0].type: Unknown integration type 'nonesuch'. Valid types: ")
    assert "dummy, email, gemini, github, mailish, oracle" in problem  # built-ins plus the test types


def test_unknown_platform_lists_the_valid_platforms():
    assert problems_of("integrations:\n  - {type: dummy, name: one, platforms: {inbox: {}}}\n") == [
        "integrations[0].platforms.inbox: unknown platform of type dummy; valid platforms: items"
    ]


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        ("{every: 90x}", "integrations[0].schedule.every: '90x' is not a duration"),
        ("{every: 30s}", "integrations[0].schedule.every: '30s' is shorter than the minimum of 1m"),
        (
            "{cron: '0 8-18 * *'}",
            "integrations[0].schedule.cron: '0 8-18 * *' is not a 5-field cron expression",
        ),
        (
            "{cron: '99 * * * *'}",
            "integrations[0].schedule.cron: '99 * * * *' is not a 5-field cron expression",
        ),
        (
            "{every: 1h, cron: '* * * * *'}",
            "integrations[0].schedule.cron: Give either every or cron, not both",
        ),
        ("{evry: 1h}", "integrations[0].schedule.evry: unknown key; valid keys: cron, every"),
    ],
)
def test_invalid_schedule_names_the_field(schedule, problem):
    (found,) = problems_of(f"integrations:\n  - {{type: dummy, name: one, schedule: {schedule}}}\n")
    assert found.startswith(problem)


def test_model_validation_errors_name_the_field():
    text = (
        "llms:\n  default: {backend: magic, base_url: 'ftp://x'}\n"
        "integrations:\n  - {type: dummy, name: Bad.Name}\n"
    )
    problems = problems_of(text)
    assert (
        "llms.default.backend: Value 'magic' is not a valid choice. Valid: 'openai', 'embedded'" in problems
    )
    assert any(p.startswith("integrations[0].name: 'Bad.Name' is not a valid name") for p in problems)


def test_platform_option_schema_errors_name_the_platform():
    assert problems_of(ACCEPTANCE.replace("count: 3", "count: -1")) == [
        "integrations[0].platforms.items: count: -1 is less than the minimum of 0"
    ]


def test_wrong_kinds_are_named():
    text = (
        "llms:\n  default: {base_url: http://x, timeout_s: soon}\n"
        "integrations:\n  - {type: dummy, name: one, enabled: 'yes'}\n"
    )
    assert problems_of(text) == [
        "llms.default.timeout_s: expected a whole number, got 'soon'",
        "integrations[0].enabled: expected true or false, got 'yes'",
    ]


def test_unsafe_automation_is_refused_by_the_safety_gate():
    text = ACCEPTANCE + (
        "        automations:\n"
        "          - when: {classification.interesting: 0.9}\n"
        "            then: {shout: hello}\n"
    )
    (problem,) = problems_of(text)
    assert problem.startswith("integrations[0].platforms.items.automations: automation #1")
    assert "shout" in problem
    assert "!yolo" in problem
    assert not models.Integration.objects.exists()


def test_yolo_makes_the_same_automation_acceptable_with_a_notice():
    text = ACCEPTANCE + (
        "        automations:\n"
        "          - when: {classification.interesting: 0.9}\n"
        "            then: !yolo {shout: hello}\n"
    )
    report = run_import(text)
    assert models.PlatformConfig.objects.get().automations[0]["then"] == {"yolo": {"shout": "hello"}}
    assert any("!yolo" in notice for notice in report.notices)


def test_ignored_directories_are_accepted_with_a_notice():
    report = run_import("directories: {chats: ./c, custom_integrations: ./ci, notes: ./n}\n")
    assert models.MirrorDirectories.objects.get().notes == "./n"
    assert len(report.notices) == 2


def test_the_appendix_a_reference_imports(reference_types):
    folder = Path(__file__).parent / "reference"
    config = load_yaml((folder / "config.yaml").read_text())
    secrets = load_yaml((folder / "secrets.yaml").read_text())
    report = config_import(config=config, secrets=secrets)
    assert "integration github.work" in report.created
    assert models.Integration.objects.get(type="github").secrets["app_id"] == "123456"
    assert list(models.Integration.objects.get(type="github").platforms.values_list("name", flat=True)) == [
        "issues",
        "pull_requests",
    ]
