"""Jinja inputs: native single expressions, string templates, typed literals, a sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.rules.errors import RuleSyntaxError
from orchestrator.rules.templates import TemplateRenderError, compile_value, render, render_context

SNAPSHOT = {"n": 3, "subject": "Hello", "tags": ["a", "b"], "calendar": {"start": "2025-01-01"}}
CONTEXT = render_context(SNAPSHOT, {"priority": "high", "human": 0.9})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{ n }}", 3),
        ("{{ tags }}", ["a", "b"]),
        ("{{ classification.human }}", 0.9),
        ("{{ n + 1 }}", 4),
        ("{{ calendar.start }}", "2025-01-01"),
        ("{{ snapshot.subject }}", "Hello"),
        ("Re: {{ subject }}", "Re: Hello"),
        ("{{ n }} items", "3 items"),
        ("{{ n }}{{ n }}", "33"),
        (" {{ n }}", " 3"),
        ("{{ tags | join(', ') }}", "a, b"),
        ("{% if classification.priority == 'high' %}urgent{% endif %}", "urgent"),
        ("{{ missing }}", ""),
        ("{{ missing.deeper.still }}", ""),
        ("before {{ missing }} after", "before  after"),
        ("no template here", "no template here"),
        (42, 42),
        (None, None),
        ([1, "{{ n }}", {"k": "{{ subject }}"}], [1, 3, {"k": "Hello"}]),
        ({"count": 2, "flag": True, "text": "{{ subject }}!"}, {"count": 2, "flag": True, "text": "Hello!"}),
    ],
)
def test_rendering(value: Any, expected: Any) -> None:
    assert render(compile_value(value), CONTEXT) == expected


def test_syntax_errors_surface_at_compile_time() -> None:
    with pytest.raises(RuleSyntaxError, match="syntax error"):
        compile_value({"text": "{{ subject "})


def test_a_failure_for_one_item_is_a_render_error() -> None:
    with pytest.raises(TemplateRenderError, match="ZeroDivisionError"):
        render(compile_value("{{ n / 0 }}"), CONTEXT)


@pytest.mark.parametrize(
    "source",
    ["{{ subject.__class__.__mro__ }}", "{{ snapshot.__init__.__globals__ }}", "{{ subject.__class__ }}"],
)
def test_the_sandbox_hides_python_internals(source: str) -> None:
    assert render(compile_value(source), CONTEXT) == ""


def test_snapshot_values_are_data_never_templates() -> None:
    context = render_context({"subject": "{{ 7 * 7 }}"}, {})
    assert render(compile_value("{{ subject }}"), context) == "{{ 7 * 7 }}"


def test_rendered_literals_are_fresh_copies() -> None:
    node = compile_value({"list": [1]})
    render(node, CONTEXT)["list"].append(2)
    assert render(node, CONTEXT) == {"list": [1]}
