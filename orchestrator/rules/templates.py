"""Action arguments and inputs as Jinja templates over the snapshot and classification (docs/CONFIG.md).

Templates are compiled at save time (syntax errors surface then) and rendered per item in a
:class:`~jinja2.sandbox.SandboxedEnvironment`. Missing variables render empty (also ``a.b.c`` when
``a`` is missing). A string that is exactly one ``{{ expr }}`` yields the expression's native value;
any other template yields a string; non-string values keep their types, with their strings rendered.

Only the person's own configuration is ever compiled as a template — never a snapshot value — so
content from an email cannot inject template code.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError, Undefined
from jinja2.environment import TemplateExpression
from jinja2.sandbox import SandboxedEnvironment

from orchestrator.rules.errors import RuleSyntaxError

_ENV = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True)
_SINGLE_EXPRESSION = re.compile(r"\{\{((?:(?!\{\{|\}\}).)*)\}\}", re.DOTALL)
_TEMPLATE_MARKERS = ("{{", "{%", "{#")


class TemplateRenderError(Exception):
    """A template failed for this item (e.g. a filter given the wrong type); the action fails."""


class Node(Protocol):
    def render(self, context: Mapping[str, Any]) -> Any: ...


@dataclass(frozen=True)
class Literal:
    value: Any

    def render(self, context: Mapping[str, Any]) -> Any:
        return copy.deepcopy(self.value)  # callers may mutate what they get; defaults are shared


@dataclass(frozen=True)
class Expression:
    source: str
    expression: TemplateExpression

    def render(self, context: Mapping[str, Any]) -> Any:
        return to_json_value(self.expression(**context))


@dataclass(frozen=True)
class Text:
    source: str
    template: Template

    def render(self, context: Mapping[str, Any]) -> Any:
        return self.template.render(**context)


@dataclass(frozen=True)
class ListNode:
    items: tuple[Node, ...]

    def render(self, context: Mapping[str, Any]) -> Any:
        return [item.render(context) for item in self.items]


@dataclass(frozen=True)
class DictNode:
    items: tuple[tuple[str, Node], ...]

    def render(self, context: Mapping[str, Any]) -> Any:
        return {key: node.render(context) for key, node in self.items}


def leaves(node: Node) -> Iterator[Node]:
    """The nodes inside *node* that are not lists or mappings (literals, templates), in order."""
    if isinstance(node, ListNode):
        for item in node.items:
            yield from leaves(item)
    elif isinstance(node, DictNode):
        for _, item in node.items:
            yield from leaves(item)
    else:
        yield node


def compile_value(value: Any) -> Node:
    """Compile a configured value (string, list, mapping, scalar); raise on a template syntax error."""
    if isinstance(value, str):
        return _compile_string(value)
    if isinstance(value, list | tuple):
        return ListNode(tuple(compile_value(item) for item in value))
    if isinstance(value, Mapping):
        return DictNode(tuple((str(key), compile_value(item)) for key, item in value.items()))
    return Literal(value)


def _compile_string(source: str) -> Node:
    if not any(marker in source for marker in _TEMPLATE_MARKERS):
        return Literal(source)
    try:
        single = _SINGLE_EXPRESSION.fullmatch(source)
        if single:
            return Expression(source, _ENV.compile_expression(single[1], undefined_to_none=False))
        return Text(source, _ENV.from_string(source))
    except TemplateSyntaxError as exc:
        raise RuleSyntaxError(f"template {source!r} has a syntax error: {exc.message}") from None


def render(node: Node, context: Mapping[str, Any]) -> Any:
    """Render a compiled value for one item; raise :class:`TemplateRenderError` on any failure."""
    try:
        return node.render(context)
    except Exception as exc:  # a sandbox violation, a bad filter argument, 1/0: all mean "this failed"
        raise TemplateRenderError(f"{type(exc).__name__}: {exc}") from None


def render_context(snapshot: Any, classification: Any) -> dict[str, Any]:
    """Snapshot fields at the top level, plus ``snapshot`` and ``classification`` themselves."""
    fields = snapshot if isinstance(snapshot, Mapping) else {}
    values = classification if isinstance(classification, Mapping) else {}
    context = {key: value for key, value in fields.items() if isinstance(key, str) and key.isidentifier()}
    context.update(snapshot=dict(fields), classification=dict(values))
    return context


def to_json_value(value: Any) -> Any:
    """A native expression result as plain JSON data (undefined → ``""``, other objects → text)."""
    if isinstance(value, Undefined):
        return ""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)  # drops Markup and other str subclasses
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_json_value(item) for key, item in value.items()}
    return str(value)
