"""Argument taint (docs/SAFETY.md): where each rendered action parameter's value comes from.

A configured parameter is either a **literal** written in the rule, or a template whose value is
rendered per item — from the item's own fields (**item**: text whoever sent the item controls) or
from the LLM's answers (**llm**: ``classification.*``, an enum value included — the LLM picks it).
A template mixing literal text with a variable is as tainted as its worst variable.

Parameters that choose *where* an effect goes or *who* sees it (a ``move_to`` folder, a GitHub
label, …) are declared ``sensitive`` on the plugin's :class:`~integrations.base.ActionSpec`. A
sensitive parameter that is not a literal is gated like an irreversible action, whatever the rule's
conditions say. Free text (a draft body, a comment) may come from anywhere.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from orchestrator.rules.provenance import CLASSIFICATION_NAMESPACE
from orchestrator.rules.templates import Expression, Literal, Node, Text, leaves

_PARSER = SandboxedEnvironment()  # parses only, to list the variables a template reads


class Taint(enum.StrEnum):
    LITERAL = "literal"  # written in the rule itself
    ITEM = "item"  # rendered from the item's fields: attacker-controlled text
    LLM = "llm"  # rendered from the LLM's classification


@dataclass(frozen=True)
class TaintedParameter:
    """One sensitive parameter whose value is not a rule literal, for gate messages."""

    parameter: str
    taint: Taint
    variables: tuple[str, ...]

    def describe(self) -> str:
        source = "LLM output" if self.taint is Taint.LLM else "item fields (attacker-controlled text)"
        return f"parameter '{self.parameter}' comes from {source} ({', '.join(self.variables)})"


def _sources(node: Node) -> Iterator[str]:
    for leaf in leaves(node):
        if isinstance(leaf, Expression | Text):
            yield from sorted(meta.find_undeclared_variables(_PARSER.parse(leaf.source)))
        elif not isinstance(leaf, Literal):  # an unknown node kind: fail safe
            yield CLASSIFICATION_NAMESPACE


def taint_of(node: Node | None) -> tuple[Taint, tuple[str, ...]]:
    """The worst source a compiled value reads, and the variables it reads."""
    if node is None:
        return Taint.LITERAL, ()
    variables = tuple(dict.fromkeys(_sources(node)))
    if not variables:
        return Taint.LITERAL, ()
    if CLASSIFICATION_NAMESPACE in variables:
        return Taint.LLM, variables
    return Taint.ITEM, variables


def tainted_parameter(parameter: str, node: Node | None) -> TaintedParameter | None:
    """A :class:`TaintedParameter` when *node* is not a literal, else ``None``."""
    taint, variables = taint_of(node)
    if taint is Taint.LITERAL:
        return None
    return TaintedParameter(parameter, taint, variables)
