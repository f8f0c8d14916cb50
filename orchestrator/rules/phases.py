"""Which automations wait for the LLM, and which can run as soon as an item is collected.

An automation *waits for the LLM* when anything it reads may come from a classification: an
LLM-derived condition (``classification.*``, or any key the platform does not declare
deterministic — the same fail-safe reading as provenance) or a template in its actions that reads
``classification``. Every other automation — spam on failed authentication, a flag on calendar
invites — is *deterministic* and is evaluated before classification, so an LLM outage never holds
it back. Each automation belongs to exactly one phase, so no rule is evaluated twice for one
collected content with two different classifications.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import lru_cache

import jinja2
from jinja2 import meta

from orchestrator.rules.actions import ActionTemplate
from orchestrator.rules.automations import CompiledAutomation
from orchestrator.rules.provenance import CLASSIFICATION_NAMESPACE, Provenance
from orchestrator.rules.templates import Expression, Node, Text, leaves

_PARSER = jinja2.Environment(autoescape=False)  # noqa: S701 - parsed for names only, never rendered


class Phase(enum.StrEnum):
    DETERMINISTIC = "deterministic"  # right after collect, whatever the LLM does
    LLM = "llm"  # after the item's classification


@lru_cache(maxsize=1024)
def _names(source: str) -> frozenset[str]:
    try:
        return frozenset(meta.find_undeclared_variables(_PARSER.parse(source)))
    except jinja2.TemplateSyntaxError:
        return frozenset({CLASSIFICATION_NAMESPACE})  # cannot tell: assume it reads the LLM's answer


def _template_sources(node: Node | None) -> Iterable[str]:
    for leaf in () if node is None else leaves(node):
        if isinstance(leaf, Expression):
            yield "{{" + leaf.source + "}}"
        elif isinstance(leaf, Text):
            yield leaf.source


def reads_classification(action: ActionTemplate) -> bool:
    """Does any template of *action* read ``classification``?"""
    nodes = (action.argument, action.inputs, action.human_log)
    return any(
        CLASSIFICATION_NAMESPACE in _names(source) for node in nodes for source in _template_sources(node)
    )


def automation_phase(automation: CompiledAutomation) -> Phase:
    if automation.provenance != Provenance.RULE:
        return Phase.LLM
    if any(reads_classification(action) for action in automation.actions):
        return Phase.LLM
    return Phase.DETERMINISTIC


def in_phase(
    automations: Iterable[CompiledAutomation], phase: Phase | None
) -> tuple[CompiledAutomation, ...]:
    """The automations of *phase*, in order; ``None`` means all of them."""
    return tuple(a for a in automations if phase is None or automation_phase(a) == phase)
