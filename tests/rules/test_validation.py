"""Save/import-time validation: each problem refused with the rule named; the model runs it all."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.rules.platforms import compile_dummy, validate

SHOUT_ON_LLM = {"when": {"classification.interesting": "> 0.5"}, "then": {"shout": "hi"}}

# (automation, a fragment of the error)
REJECTED: list[tuple[Any, str]] = [
    ({"when": {"n": 1}, "then": "explode"}, "automation #1 ('bad'): then: unknown action 'explode'"),
    (
        {"when": {"n": 1}, "then": {"script": "nope"}},
        "automation #1 ('bad'): then: script 'nope' is not defined",
    ),
    (
        {"when": {"n": 1}, "then": {"service": {"call": "echo"}}},
        "automation #1 ('bad'): then: service.call 'echo'",
    ),
    ({"when": {"n": 1}, "then": {"tag": "{{ title"}}, "automation #1 ('bad'): then: template '{{ title'"),
    ({"when": {"title": {"regex": "a("}}, "then": {"tag": "x"}}, "automation #1 ('bad'): when.title: regex"),
    (
        {"when": {"classification.spam": 0.5}, "then": {"tag": "x"}},
        "automation #1 ('bad'): when.classification.spam: 'spam' is not a classification configured "
        "for this platform; configured: interesting, kind, urgent",
    ),
    ({"when": {"n": 1}, "then": "tag", "on_blocked": "retry"}, "on_blocked: the only value is 'ask'"),
    (
        {"when": {"n": 1}, "then": "tag", "unless": {}},
        "unknown key(s) unless; valid: when, then, on_blocked, name",
    ),
    ({"when": {"n": 1}}, "then: at least one action is required"),
]


@pytest.mark.parametrize(("rule", "message"), REJECTED)
def test_a_broken_rule_is_rejected_with_the_rule_named(rule: dict[str, Any], message: str) -> None:
    report = validate([{**rule, "name": "bad"}])
    assert any(message in error for error in report.errors), report.errors


def test_rules_are_numbered_from_one() -> None:
    report = validate([{"when": {}, "then": {"tag": "x"}}, {"when": {}, "then": "explode"}])
    assert report.errors[0].startswith("automation #2: then: unknown action 'explode'")


@pytest.mark.parametrize("automations", [{"when": {}}, "archive", None])
def test_automations_must_be_a_list(automations: Any) -> None:
    assert validate(automations).errors == ("automations must be a list of {when, then} rules",)


def test_a_rule_that_is_not_a_mapping_is_rejected() -> None:
    assert validate(["archive"]).errors == ("automation #1: must be a mapping with 'when' and 'then'",)


def test_a_broken_rule_is_left_out_of_evaluation_but_the_others_compile() -> None:
    compiled = compile_dummy([{"when": {}, "then": "explode"}, {"when": {}, "then": {"tag": "x"}}])
    assert [a.index for a in compiled.automations] == [1]


def test_the_defaults_are_the_classifications_when_none_are_configured() -> None:
    assert validate([SHOUT_ON_LLM | {"on_blocked": "ask"}], classifications=None).ok
    report = validate([{"when": {"classification.urgent": True}, "then": {"tag": "x"}}], classifications=None)
    assert "configured: interesting" in report.errors[0]


# The same checks through the model, as the admin and import_config run them.


@pytest.fixture
def items(dummy_integration: Any) -> Any:
    return dummy_integration.platforms.get(name="items")


def save_errors(platform: Any) -> str:
    """The automations errors ``full_clean()`` raises, as one text ("" when it passes)."""
    try:
        platform.full_clean()
    except ValidationError as exc:
        return "\n".join(exc.message_dict.get("automations", [str(exc)]))
    return ""


def test_saving_an_llm_shout_is_refused_with_the_documented_message(items: Any) -> None:
    items.automations = [SHOUT_ON_LLM]
    with pytest.raises(ValidationError) as caught:
        items.full_clean()
    [message] = caught.value.message_dict["automations"]
    assert message.startswith(
        "automation #1: action 'shout' is irreversible and the automation has llm provenance"
    )
    assert "classification.interesting" in message
    assert "!yolo" in message
    assert "on_blocked: ask" in message


def test_saving_the_same_rule_with_yolo_passes_with_a_warning(items: Any) -> None:
    items.automations = [{"when": SHOUT_ON_LLM["when"], "then": {"yolo": {"shout": "hi"}}}]
    items.full_clean()
    assert any("is !yolo" in warning for warning in items.automation_report().warnings)


def test_saving_the_same_rule_with_on_blocked_ask_passes_with_a_notice(items: Any) -> None:
    items.automations = [SHOUT_ON_LLM | {"on_blocked": "ask"}]
    items.full_clean()
    assert items.automation_report().notices


def test_scripts_are_looked_up_in_the_database(items: Any) -> None:
    from orchestrator.models import Script

    items.automations = [{"when": {"n": 1}, "then": {"script": "notify"}}]
    assert "script 'notify' is not defined; defined scripts: none" in save_errors(items)
    Script.objects.create(name="notify", shell="true")
    items.full_clean()


def test_script_reversibility_comes_from_the_script(items: Any) -> None:
    from orchestrator.models import Script

    script = Script.objects.create(name="tidy", shell="true", reversible=False)
    items.automations = [{"when": {"classification.interesting": 0.9}, "then": {"script": "tidy"}}]
    assert "script 'tidy' is irreversible" in save_errors(items)
    script.reversible = True
    script.save()
    items.full_clean()


def test_services_are_the_instances_of_existing_integrations(items: Any) -> None:
    items.automations = [{"when": {"n": 1}, "then": {"service": {"call": "dummy.one.echo"}}}]
    items.full_clean()
    items.automations = [{"when": {"n": 1}, "then": {"service": {"call": "dummy.two.echo"}}}]
    assert "available services: dummy.one.echo" in save_errors(items)


def test_a_malformed_service_call_is_refused_on_save(items: Any) -> None:
    items.automations = [{"when": {"n": 1}, "then": {"service": {"call": "dummy.echo"}}}]
    assert "not a service instance id" in save_errors(items)


def test_an_exact_copy_of_an_earlier_rule_saves_with_a_warning_that_it_never_acts() -> None:
    """An action runs once per item and rule definition, so the copy would silently do nothing."""
    rule = {"when": {"n": 1}, "then": {"tag": "hot"}}
    report = validate([rule, {"when": {"n": 2}, "then": {"tag": "hot"}}, dict(rule)])
    assert report.ok
    [warning] = [w for w in report.warnings if "repeats" in w]
    assert warning.startswith("automation #3: repeats automation #1 exactly, so it never acts on its own")
