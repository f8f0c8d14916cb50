"""Which automations run before classification (deterministic) and which wait for the LLM."""

from __future__ import annotations

from typing import Any

from orchestrator.rules.automations import compile_automations
from orchestrator.rules.classifications import normalise_classifications
from orchestrator.rules.phases import Phase, automation_phase, in_phase
from tests.rules.platforms import MAIL, SCRIPTS, SERVICES


def mail_phase(rule: dict[str, Any]) -> Phase:
    compiled = compile_automations(
        [rule],
        platform=MAIL,
        classifications=normalise_classifications(None, MAIL.default_classifications),
        scripts=SCRIPTS,
        services=SERVICES,
    )
    assert not compiled.errors, compiled.errors
    return automation_phase(compiled.automations[0])


def test_spam_on_failed_authentication_needs_no_llm() -> None:
    assert mail_phase({"when": {"authentication.dmarc": "fail"}, "then": "spam"}) is Phase.DETERMINISTIC


def test_a_rule_with_no_conditions_needs_no_llm() -> None:
    assert mail_phase({"then": "archive"}) is Phase.DETERMINISTIC


def test_a_classification_condition_waits_for_the_llm() -> None:
    assert mail_phase({"when": {"classification.human": "< 0.2"}, "then": "archive"}) is Phase.LLM


def test_a_mixed_rule_waits_for_the_llm() -> None:
    rule = {"when": {"domain": "example.com", "classification.human": "< 0.2"}, "then": "archive"}
    assert mail_phase(rule) is Phase.LLM


def test_an_undeclared_field_counts_as_llm_derived_and_waits() -> None:
    assert mail_phase({"when": {"guessed_topic": "news"}, "then": "archive"}) is Phase.LLM


def test_a_deterministic_rule_whose_template_reads_the_classification_waits_for_it() -> None:
    rule = {"when": {"domain": "example.com"}, "then": {"move_to": "{{ classification.priority }}"}}
    assert mail_phase(rule) is Phase.LLM
    text = {"when": {"domain": "example.com"}, "then": {"move_to": "Prio/{{ classification.priority }}"}}
    assert mail_phase(text) is Phase.LLM


def test_a_template_over_snapshot_fields_stays_deterministic() -> None:
    rule = {"when": {"domain": "example.com"}, "then": {"move_to": "From/{{ domain }}"}}
    assert mail_phase(rule) is Phase.DETERMINISTIC


def test_each_automation_is_in_exactly_one_phase_in_rule_order() -> None:
    compiled = compile_automations(
        [
            {"when": {"calendar": True}, "then": "archive"},
            {"when": {"classification.human": "< 0.2"}, "then": "archive"},
            {"when": {"is_noreply": True}, "then": "archive"},
        ],
        platform=MAIL,
        classifications=normalise_classifications(None, MAIL.default_classifications),
        scripts=SCRIPTS,
        services=SERVICES,
    ).automations
    deterministic = [a.index for a in in_phase(compiled, Phase.DETERMINISTIC)]
    llm = [a.index for a in in_phase(compiled, Phase.LLM)]
    assert (deterministic, llm) == ([0, 2], [1])
    assert len(in_phase(compiled, None)) == 3
