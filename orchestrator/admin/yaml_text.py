"""Structured values (settings, classifications, automations) as text a person edits: YAML or JSON.

Parsing is the configuration files' own loader (:func:`orchestrator.config_io.yaml_format.load_yaml`
without ``!secret``), so a text the admin accepts is one ``import_config`` accepts, and the reverse:
the same duplicate-key, nesting and alias limits, ``!yolo``, dates kept as strings. It returns plain
JSON-compatible data or raises :class:`TextParseError` naming the line and column.
``!yolo <action>`` becomes ``{"yolo": <action>}`` and is written back as ``!yolo``, so a person
sees what they typed.
"""

from __future__ import annotations

from typing import Any

import yaml

from orchestrator.config_io.yaml_format import ConfigFormatError, load_yaml

YOLO_TAG = "!yolo"


class TextParseError(ValueError):
    """The text is neither valid YAML nor valid JSON; the message names the line and column."""


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


def text_parse(text: str) -> Any:
    """Parse YAML or JSON text into JSON-compatible data; raise :class:`TextParseError` if malformed."""
    try:
        return load_yaml(text, source="", secrets=False)
    except ConfigFormatError as exc:
        if exc.where.startswith("line"):
            raise TextParseError(f"invalid {exc.language} at {exc.where}: {exc.problem}") from None
        raise TextParseError(f"{exc.where}: {exc.problem}" if exc.where else exc.problem) from None


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
