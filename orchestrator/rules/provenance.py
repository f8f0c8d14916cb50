"""Where a decision came from (docs/SAFETY.md): deterministic code, the LLM, both, or a person.

A condition key is deterministic iff its namespace (the text before the first dot) is one of the
platform's declared deterministic sources. Everything else — classifications, unknown names, every
key of a platform that declares nothing — counts as LLM-derived, so gaps in a plugin's declarations
fail safe.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable

CLASSIFICATION_NAMESPACE = "classification"


class Provenance(enum.StrEnum):
    RULE = "rule"  # every condition deterministic (or no conditions)
    LLM = "llm"  # every condition LLM-derived
    HYBRID = "hybrid"  # both kinds
    HUMAN = "human"  # a person approved this very action


def namespace(key: str) -> str:
    return key.split(".", 1)[0]


def is_deterministic(key: str, sources: Collection[str]) -> bool:
    """True when *key* reads a declared deterministic source (never for ``classification.*``)."""
    space = namespace(key)
    # A plugin declaring "classification" deterministic would launder LLM output: never honour it.
    return space != CLASSIFICATION_NAMESPACE and space in sources


def llm_derived_keys(keys: Iterable[str], sources: Collection[str]) -> tuple[str, ...]:
    return tuple(key for key in keys if not is_deterministic(key, sources))


def rule_provenance(keys: Iterable[str], sources: Collection[str]) -> Provenance:
    """``rule`` when every key is deterministic (or there are none), ``llm`` when none is."""
    keys = list(keys)
    llm = llm_derived_keys(keys, sources)
    if not llm:
        return Provenance.RULE
    if len(llm) == len(keys):
        return Provenance.LLM
    return Provenance.HYBRID
