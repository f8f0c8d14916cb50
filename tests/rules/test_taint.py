"""Argument taint: a sensitive parameter not written in the rule is gated like an irreversible action."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.email.plugin import INTEGRATION_TYPE as EMAIL
from integrations.github.plugin import INTEGRATION_TYPE as GITHUB
from orchestrator.config_io.document import ConfigError
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.rules.evaluate import evaluate
from orchestrator.rules.safety import Decision, runtime_decision
from orchestrator.rules.validation import automation_errors_for
from tests.rules.platforms import NOW
from tests.support.configs import demo_inbox_config

INBOX = EMAIL.platforms["inbox"]
FOLDERS: dict[str, Any] = {
    "folder": {"prompt": "Which folder?", "type": "enum", "values": ["Receipts", "Work"]}
}


def _report(automations: Any, classifications: Any = FOLDERS, platform: Any = INBOX) -> Any:
    return automation_errors_for(platform, classifications, automations, scripts={}, services={})


def test_an_enum_folder_chosen_by_the_llm_is_refused_even_under_a_deterministic_when() -> None:
    report = _report([{"when": {"is_noreply": True}, "then": {"move_to": "{{ classification.folder }}"}}])
    [error] = report.errors
    assert "parameter 'move_to' comes from LLM output (classification)" in error
    assert "on_blocked: ask" in error
    assert "!yolo" in error


def test_a_folder_rendered_from_item_fields_is_refused_and_named_as_attacker_controlled() -> None:
    report = _report([{"when": {"is_noreply": True}, "then": {"move_to": "Lists/{{ domain }}"}}])
    [error] = report.errors
    assert "item fields (attacker-controlled text) (domain)" in error


def test_on_blocked_ask_turns_the_refusal_into_a_notice_and_yolo_into_a_warning() -> None:
    ask = _report([{"when": {}, "then": {"move_to": "{{ classification.folder }}"}, "on_blocked": "ask"}])
    assert ask.ok
    assert "waits for your approval" in ask.notices[0]
    yolo = _report([{"when": {}, "then": {"yolo": {"move_to": "{{ classification.folder }}"}}}])
    assert yolo.ok
    assert "!yolo" in yolo.warnings[0]


def test_a_literal_folder_with_an_llm_condition_passes() -> None:
    report = _report([{"when": {"classification.folder": "Receipts"}, "then": {"move_to": "Receipts"}}])
    assert report.ok
    assert not report.notices


def test_a_draft_body_written_by_the_llm_passes_free_text_is_not_sensitive() -> None:
    classifications = {"reply": "Write a short reply"}
    report = _report(
        [{"when": {"classification.reply": "> 0.5"}, "then": {"draft_reply": "{{ classification.reply }}"}}],
        classifications,
    )
    assert report.ok, report.errors


def test_a_github_label_from_the_llm_is_refused() -> None:
    prs = GITHUB.platforms["pull_requests"]
    kinds = {"kind": {"prompt": "Kind?", "type": "enum", "values": ["docs", "ci-run"]}}
    report = _report([{"when": {}, "then": {"label": "{{ classification.kind }}"}}], kinds, prs)
    assert "parameter 'label' comes from LLM output" in report.errors[0]


def test_the_runtime_gate_blocks_a_tainted_action_even_with_rule_provenance() -> None:
    from orchestrator.rules.automations import compile_automations
    from orchestrator.rules.classifications import normalise_classifications

    compiled = compile_automations(
        [{"when": {"is_noreply": True}, "then": {"move_to": "{{ classification.folder }}"}}],
        platform=INBOX,
        classifications=normalise_classifications(FOLDERS),
        scripts={},
        services={},
    )
    [planned] = evaluate({"is_noreply": True}, {"folder": "Work"}, compiled.automations, now=NOW)
    assert planned.provenance == "rule"
    assert planned.argument == "Work"
    assert planned.taint == ("parameter 'move_to' comes from LLM output (classification)",)
    assert runtime_decision(planned, planned.provenance, planned.tier) is Decision.BLOCK
    assert runtime_decision(planned, "human", planned.tier) is Decision.ALLOW
    assert planned.from_payload(planned.to_payload()).taint == planned.taint


CONFIG = demo_inbox_config(
    """\
    classifications:
      folder: {prompt: "which folder", type: enum, values: [Receipts, Work]}
    automations:
      - when: {is_noreply: true}
        then:
          move_to: %s
    """
)


@pytest.mark.django_db
def test_importing_an_llm_chosen_folder_is_refused_and_a_literal_one_imports() -> None:
    with pytest.raises(ConfigError) as refused:
        config_import(config=load_yaml(CONFIG % '"{{ classification.folder }}"'), secrets={})
    assert any("parameter 'move_to' comes from LLM output" in problem for problem in refused.value.problems)
    config_import(config=load_yaml(CONFIG % "Receipts"), secrets={})


def test_a_sensitive_script_input_from_the_llm_is_refused_and_a_literal_one_passes() -> None:
    def report(value: str) -> Any:
        rule = {"when": {}, "then": {"script": {"name": "notify", "inputs": {"url": value, "text": "hi"}}}}
        return automation_errors_for(
            INBOX,
            FOLDERS,
            [rule],
            scripts={"notify": True},  # declared reversible: only the taint can gate it
            services={},
            sensitive={"notify": frozenset({"url"})},
        )

    [error] = report("https://{{ classification.folder }}.example").errors
    assert "script 'notify': parameter 'url' comes from LLM output" in error
    assert report("https://hooks.example/me").ok


def test_a_service_repository_from_item_fields_is_tainted() -> None:
    from integrations.github.services import CREATE_ISSUE

    assert CREATE_ISSUE.sensitive_inputs == frozenset({"repo"})
    rule = {
        "when": {},
        "then": {
            "service": {"call": "github.work.create_issue", "inputs": {"repo": "{{ subject }}", "title": "x"}}
        },
    }
    report = automation_errors_for(
        INBOX,
        FOLDERS,
        [rule],
        scripts={},
        services={"github.work.create_issue": True},
        sensitive={"github.work.create_issue": frozenset({"repo"})},
    )
    assert "parameter 'repo' comes from item fields (attacker-controlled text) (subject)" in report.errors[0]


@pytest.mark.django_db
def test_sensitive_inputs_must_be_declared_inputs() -> None:
    from django.core.exceptions import ValidationError

    from orchestrator.models import Script

    script = Script(name="notify", shell="true", inputs=["text"], sensitive_inputs=["url"])
    with pytest.raises(ValidationError, match="url is not one of the inputs"):
        script.full_clean()
