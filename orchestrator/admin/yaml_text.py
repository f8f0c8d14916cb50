"""Structured values (settings, classifications, automations) as text a person edits: YAML or JSON.

Parsing returns plain JSON-compatible data or raises :class:`TextParseError` naming the line and
column. ``!yolo <action>`` becomes ``{"yolo": <action>}`` (the JSON spelling of the YAML tag) and is written
back as ``!yolo``, so a person sees what they typed.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

YOLO_TAG = "!yolo"


class TextParseError(ValueError):
    """The text is neither valid YAML nor valid JSON; the message names the line and column."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without timestamps (a date would not survive JSON), refusing duplicate keys
    (YAML would silently keep the last ``then:``), and with ``!yolo``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                continue  # an unhashable key is refused by the base constructor
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Copy before removing: the resolver table is shared with every other SafeLoader.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_yolo(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.MappingNode):
        return {"yolo": loader.construct_mapping(node, deep=True)}
    if isinstance(node, yaml.SequenceNode):
        raise yaml.constructor.ConstructorError(
            None, None, "!yolo wraps one action (a scalar or a mapping), not a list", node.start_mark
        )
    return {"yolo": loader.construct_scalar(node)}  # type: ignore[arg-type]  # a ScalarNode here


_Loader.add_constructor(YOLO_TAG, _construct_yolo)


class _Yolo:
    def __init__(self, action: Any):
        self.action = action


class _Dumper(yaml.SafeDumper):
    """Block style, keys in the stored order, ``{"yolo": x}`` written as ``!yolo x``."""


def _represent_yolo(dumper: yaml.SafeDumper, value: _Yolo) -> yaml.Node:
    if isinstance(value.action, dict):
        return dumper.represent_mapping(YOLO_TAG, value.action)
    return dumper.represent_scalar(YOLO_TAG, str(value.action))


_Dumper.add_representer(_Yolo, _represent_yolo)


def _mark_yolo(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"yolo"} and isinstance(value["yolo"], (str, dict)):
            return _Yolo(_mark_yolo(value["yolo"]))
        return {key: _mark_yolo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mark_yolo(item) for item in value]
    return value


def _line_of(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is None:
        return ""
    return f" at line {mark.line + 1}, column {mark.column + 1}"


def _check_storable(value: Any) -> None:
    """Reject what YAML can express but a JSON column cannot hold (binary, sets, NaN)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TextParseError(f"cannot be stored as JSON: {exc}") from None


def text_parse(text: str) -> Any:
    """Parse YAML or JSON text into JSON-compatible data; raise :class:`TextParseError` if malformed."""
    stripped = text.strip()
    json_error: json.JSONDecodeError | None = None
    if stripped[:1] in {"{", "["}:
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            json_error = exc  # maybe YAML flow style such as [archive]; try YAML before giving up
        else:
            _check_storable(value)
            return value
    try:
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except yaml.YAMLError as exc:
        if json_error is not None:
            raise TextParseError(
                f"invalid JSON at line {json_error.lineno}, column {json_error.colno}: {json_error.msg}"
            ) from None
        problem = getattr(exc, "problem", None) or str(exc)
        raise TextParseError(f"invalid YAML{_line_of(exc)}: {problem}") from None
    _check_storable(value)
    return value


def text_dump(value: Any) -> str:
    """Write *value* as block-style YAML (``!yolo`` for wrapped actions); ``""`` for None."""
    if value is None:
        return ""
    return yaml.dump(
        _mark_yolo(value),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100_000,  # never fold a long prompt across lines
    )
