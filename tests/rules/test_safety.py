"""Both safety gates: refusal at save time, and the runtime decision every runner asks."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.base import Tier
from orchestrator.rules.safety import Decision, as_tier, runtime_decision, save_gate
from tests.rules.platforms import MAIL, compile_dummy, validate

IRREVERSIBLE = Tier.IRREVERSIBLE.value
FLAGS: dict[str, Any] = {"yolo": False, "on_blocked": None}

# (provenance, tier, yolo, on_blocked, decision)
DECISIONS: list[tuple[Any, Any, Any, Any, Decision]] = [
    ("rule", IRREVERSIBLE, False, None, Decision.ALLOW),
    ("human", IRREVERSIBLE, False, None, Decision.ALLOW),
    ("llm", IRREVERSIBLE, False, None, Decision.BLOCK),
    ("hybrid", IRREVERSIBLE, False, None, Decision.BLOCK),
    (None, IRREVERSIBLE, False, None, Decision.BLOCK),
    ("chat", IRREVERSIBLE, False, None, Decision.BLOCK),
    ("RULE", IRREVERSIBLE, False, None, Decision.BLOCK),
    (["rule"], IRREVERSIBLE, False, None, Decision.BLOCK),
    ("llm", IRREVERSIBLE, False, "ask", Decision.ASK),
    ("hybrid", IRREVERSIBLE, False, "ask", Decision.ASK),
    ("llm", IRREVERSIBLE, True, None, Decision.ALLOW_WITH_WARNING),
    ("llm", IRREVERSIBLE, "true", None, Decision.BLOCK),
    ("llm", IRREVERSIBLE, 1, None, Decision.BLOCK),
    ("llm", Tier.HARD, False, None, Decision.ALLOW_WITH_WARNING),
    ("hybrid", Tier.HARD, False, None, Decision.ALLOW_WITH_WARNING),
    ("llm", Tier.SOFT, False, None, Decision.ALLOW),
    ("llm", Tier.READ_ONLY, False, None, Decision.ALLOW),
    ("llm", "no-such-tier", False, None, Decision.BLOCK),
    ("llm", None, False, None, Decision.BLOCK),
    ("rule", Tier.HARD, False, None, Decision.ALLOW),
]


@pytest.mark.parametrize(("provenance", "tier", "yolo", "on_blocked", "decision"), DECISIONS)
def test_runtime_decision(provenance: Any, tier: Any, yolo: Any, on_blocked: Any, decision: Decision) -> None:
    action = {"yolo": yolo, "on_blocked": on_blocked}
    assert runtime_decision(action, provenance, tier) is decision


def test_runtime_decision_reads_flags_from_objects_too() -> None:
    class Row:
        yolo = False
        on_blocked = "ask"

    assert runtime_decision(Row(), "llm", IRREVERSIBLE) is Decision.ASK
    assert runtime_decision(object(), "llm", IRREVERSIBLE) is Decision.BLOCK


def test_unknown_tiers_are_irreversible() -> None:
    assert as_tier("soft_reversible") is Tier.SOFT
    assert as_tier("soft") is Tier.IRREVERSIBLE
    assert as_tier(["x"]) is Tier.IRREVERSIBLE


def test_an_llm_rule_firing_an_irreversible_action_is_refused_with_every_remedy() -> None:
    report = validate([{"when": {"classification.interesting": "> 0.5"}, "then": {"shout": "hi"}}])
    [error] = report.errors
    assert error.startswith("automation #1: action 'shout' is irreversible")
    assert "llm provenance" in error
    assert "LLM-derived conditions: classification.interesting" in error
    assert "!yolo" in error
    assert "on_blocked: ask" in error


def test_a_hybrid_rule_names_only_its_llm_derived_keys() -> None:
    rule = {"when": {"n": 1, "classification.urgent": True}, "then": [{"tag": "x"}, {"script": "notify"}]}
    [error] = validate([rule]).errors
    assert "script 'notify' is irreversible" in error
    assert "hybrid provenance (LLM-derived conditions: classification.urgent)" in error


def test_a_service_is_irreversible_unless_declared_reversible() -> None:
    rule = {"when": {"classification.urgent": True}, "then": {"service": {"call": "dummy.one.echo"}}}
    [error] = validate([rule]).errors
    assert "service 'dummy.one.echo' is irreversible" in error


def test_a_script_declared_reversible_may_run_from_the_llm() -> None:
    assert validate([{"when": {"classification.urgent": True}, "then": {"script": "tidy"}}]).ok


def test_yolo_saves_with_a_warning() -> None:
    report = validate([{"when": {"classification.interesting": "> 0.5"}, "then": {"yolo": {"shout": "hi"}}}])
    assert report.ok
    [warning] = report.warnings
    assert warning.startswith("automation #1: action 'shout' is !yolo")


def test_yolo_warns_even_on_a_deterministic_rule() -> None:
    assert validate([{"when": {"n": 1}, "then": {"yolo": {"tag": "x"}}}]).warnings


def test_on_blocked_ask_passes_with_a_notice() -> None:
    rule = {"when": {"classification.interesting": "> 0.5"}, "then": {"shout": "hi"}, "on_blocked": "ask"}
    report = validate([rule])
    assert report.ok
    [notice] = report.notices
    assert "waits for your approval" in notice


def test_a_deterministic_rule_may_fire_irreversible_actions() -> None:
    assert validate([{"when": {"n": 1}, "then": [{"shout": "hi"}, {"script": "notify"}]}]).ok


def test_an_empty_when_is_deterministic() -> None:
    assert validate([{"when": {}, "then": {"shout": "every item"}}]).ok


def test_hard_reversible_actions_from_the_llm_save_with_a_warning() -> None:
    report = validate(
        [{"when": {"classification.human": "< 0.1"}, "then": "spam"}], platform=MAIL, classifications=None
    )
    assert report.ok
    assert any("action 'spam' is hard-reversible" in warning for warning in report.warnings)


def test_a_platform_without_declarations_fails_safe() -> None:
    """No deterministic sources: even ``n`` is LLM-derived, so an irreversible script is refused."""
    report = validate([{"when": {"n": 1}, "then": {"script": "notify"}}], platform=None)
    [error] = report.errors
    assert "script 'notify' is irreversible and the automation has llm provenance" in error
    assert any("'n' is not one of this platform's deterministic fields (none)" in w for w in report.warnings)


def test_the_save_gate_reads_compiled_automations() -> None:
    compiled = compile_dummy([{"when": {"classification.urgent": True}, "then": {"shout": "x"}}])
    assert len(save_gate(compiled.automations).errors) == 1
