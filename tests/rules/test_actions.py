"""The ``then`` grammar: platform actions, scripts, services, ``!yolo``; errors at compile time."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.base import Tier
from orchestrator.rules.actions import ActionCatalog, ActionKind, parse_action, parse_then
from orchestrator.rules.errors import RuleSyntaxError
from tests.rules.platforms import MAIL, SCRIPTS, SERVICES

CATALOG = ActionCatalog(platform=MAIL.actions, scripts=SCRIPTS, services=SERVICES)


def test_a_bare_name_is_a_platform_action() -> None:
    action = parse_action("archive", CATALOG)
    assert (action.kind, action.name, action.tier, action.argument) == (
        ActionKind.PLATFORM,
        "archive",
        Tier.SOFT,
        None,
    )


def test_a_one_key_mapping_gives_the_argument() -> None:
    action = parse_action({"move_to": "Receipts"}, CATALOG)
    assert action.argument is not None
    assert action.argument.render({}) == "Receipts"


def test_a_yaml_key_without_value_is_the_bare_action() -> None:
    assert parse_action({"archive": None}, CATALOG).name == "archive"


def test_then_may_be_one_action_or_a_list() -> None:
    single, errors = parse_then("archive", CATALOG)
    many, more_errors = parse_then(["archive", {"move_to": "X"}], CATALOG)
    assert errors == more_errors == []
    assert [a.name for a in single] == ["archive"]
    assert [a.name for a in many] == ["archive", "move_to"]


def test_scripts_by_name_or_with_inputs_take_their_declared_reversibility() -> None:
    plain = parse_action({"script": "notify"}, CATALOG)
    full = parse_action({"script": {"name": "tidy", "inputs": {"subject": "{{ subject }}"}}}, CATALOG)
    assert (plain.kind, plain.tier) == (ActionKind.SCRIPT, Tier.IRREVERSIBLE)
    assert (full.name, full.tier) == ("tidy", Tier.SOFT)
    assert full.inputs.render({"subject": "Hi"}) == {"subject": "Hi"}


def test_a_service_call_names_an_instance_and_is_irreversible_unless_declared() -> None:
    action = parse_action(
        {
            "service": {
                "call": "dummy.one.echo",
                "inputs": {"text": "{{ subject }}"},
                "human_log": "Echo of {{ subject }}",
                "on_result": [{"type": "note", "path": "research/"}],
            }
        },
        CATALOG,
    )
    assert (action.kind, action.name, action.tier) == (
        ActionKind.SERVICE,
        "dummy.one.echo",
        Tier.IRREVERSIBLE,
    )
    assert action.human_log.render({"subject": "x"}) == "Echo of x"
    assert action.on_result == [{"type": "note", "path": "research/"}]


def test_yolo_wraps_one_action() -> None:
    action = parse_action({"yolo": "unsubscribe"}, CATALOG)
    assert (action.name, action.yolo, action.tier) == ("unsubscribe", True, Tier.IRREVERSIBLE)
    assert parse_action({"yolo": {"script": "notify"}}, CATALOG).yolo


# (raw action, a fragment of the error)
INVALID: list[tuple[Any, str]] = [
    ("delete", "unknown action 'delete'; this platform's actions: archive, move_to, spam, unsubscribe"),
    ({"label": "x"}, "unknown action 'label'"),
    ("move_to", "move_to needs an argument"),
    ({"archive": "Later"}, "archive takes no argument"),
    ({"archive": 1, "spam": 2}, "not keys archive, spam"),
    (3, "an action is a name or a one-key mapping"),
    ({"yolo": {"yolo": "archive"}}, "cannot wrap another !yolo"),
    ({"yolo": ["archive", "spam"]}, "wraps exactly one action"),
    ({"script": "missing"}, "script 'missing' is not defined; defined scripts: notify, tidy"),
    ({"script": {"name": "notify", "args": {}}}, "script: unknown key(s) args; valid: name, inputs"),
    ({"script": {"name": "notify", "inputs": ["a"]}}, "script.inputs must be a mapping"),
    ({"script": ["notify"]}, "write script: <name>"),
    ({"service": "dummy.one.echo"}, "write service: {call"),
    ({"service": {"call": "echo"}}, "not a service instance id; write <type>.<integration name>.<service>"),
    ({"service": {"call": "dummy.echo"}}, "not a service instance id"),
    ({"service": {"call": "dummy.two.echo"}}, "service 'dummy.two.echo' does not exist; available services"),
    ({"service": {"call": "dummy.one.echo", "input": {}}}, "unknown key(s) input"),
    ({"service": {"call": "dummy.one.echo", "on_result": "email"}}, "'email' is not a route"),
    ({"service": {"call": "dummy.one.echo", "human_log": ["x"]}}, "human_log must be text"),
    ({"move_to": "{{ subject"}, "syntax error"),
    ({"service": {"call": "dummy.one.echo", "inputs": {"text": "{% if %}"}}}, "service.inputs: template"),
    ({"service": {"call": "dummy.one.echo", "human_log": "{{ 1 + }}"}}, "syntax error"),
]


@pytest.mark.parametrize(("raw", "message"), INVALID)
def test_invalid_actions_are_rejected_when_compiled(raw: Any, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_action(raw, CATALOG)
    assert message in str(caught.value)


def test_then_errors_name_the_position() -> None:
    _, errors = parse_then(["archive", "delete"], CATALOG)
    assert len(errors) == 1
    assert errors[0].startswith("then[1]: unknown action 'delete'")


@pytest.mark.parametrize("then", [None, [], ""])
def test_an_empty_then_is_rejected(then: Any) -> None:
    assert parse_then(then, CATALOG) == ((), ["then: at least one action is required"])


def test_a_platform_without_declarations_knows_no_actions() -> None:
    with pytest.raises(RuleSyntaxError, match="this platform's actions: none"):
        parse_action("archive", ActionCatalog())
