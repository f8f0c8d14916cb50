"""Provenance from condition keys: deterministic namespaces versus everything else."""

from __future__ import annotations

from orchestrator.rules.provenance import Provenance, is_deterministic, llm_derived_keys, rule_provenance

SOURCES = frozenset({"from_address", "authentication", "calendar"})


def test_a_key_is_deterministic_when_its_namespace_is_declared() -> None:
    assert is_deterministic("authentication.dkim_pass", SOURCES)
    assert is_deterministic("from_address", SOURCES)


def test_unknown_names_count_as_llm_derived() -> None:
    assert not is_deterministic("subject_guess", SOURCES)
    assert not is_deterministic("authenticationx.dkim_pass", SOURCES)


def test_classifications_are_never_deterministic_even_if_declared() -> None:
    assert not is_deterministic("classification.human", SOURCES | {"classification"})


def test_rule_provenance_for_all_deterministic_or_empty() -> None:
    assert rule_provenance(["from_address", "calendar.end"], SOURCES) is Provenance.RULE
    assert rule_provenance([], SOURCES) is Provenance.RULE


def test_llm_provenance_when_no_key_is_deterministic() -> None:
    assert rule_provenance(["classification.human"], SOURCES) is Provenance.LLM


def test_hybrid_provenance_when_mixed() -> None:
    keys = ["from_address", "classification.human", "mystery"]
    assert rule_provenance(keys, SOURCES) is Provenance.HYBRID
    assert llm_derived_keys(keys, SOURCES) == ("classification.human", "mystery")


def test_a_platform_without_declarations_makes_everything_llm_derived() -> None:
    assert rule_provenance(["from_address"], frozenset()) is Provenance.LLM
