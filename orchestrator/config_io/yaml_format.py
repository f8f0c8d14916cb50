"""The YAML dialect of the configuration files: safe YAML plus ``!secret <key>`` and ``!yolo``.

* ``!secret <key>`` loads as a :class:`SecretRef`; the importer looks the key up in the secrets file.
* ``!yolo`` wraps one action (a scalar or a mapping) and loads as ``{"yolo": action}`` — the JSON form
  the database stores. The exporter wraps such actions in :class:`Yolo` so they dump as ``!yolo``.

Loading refuses duplicate keys (YAML would silently keep the last one) and reports every problem
with its line and column. Dumping is deterministic: keys in the order given, literal blocks for
multi-line strings, indented lists, no anchors, no line folding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


class ConfigFormatError(ValueError):
    """The text is not valid YAML for a config file; the message names the line and column."""


@dataclass(frozen=True)
class SecretRef:
    """A ``!secret <key>`` reference to a value in the secrets file."""

    key: str


@dataclass(frozen=True)
class Yolo:
    """An action to dump as ``!yolo`` (the database holds it as ``{"yolo": action}``)."""

    action: Any


def _where(mark: yaml.Mark | None, source: str) -> str:
    if mark is None:
        return source
    return f"{source}, line {mark.line + 1}, column {mark.column + 1}"


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, str | int | float | bool) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]  # stubs say MappingNode


def _construct_secret(loader: _Loader, node: yaml.Node) -> SecretRef:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise yaml.constructor.ConstructorError(
            None,
            None,
            "!secret takes the name of a key in the secrets file, e.g. !secret my_token",
            node.start_mark,
        )
    return SecretRef(str(node.value).strip())


def _construct_yolo(loader: _Loader, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        action: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.MappingNode):
        action = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(
            None, None, "!yolo wraps one action (a scalar or a mapping), not a list", node.start_mark
        )
    return {"yolo": action}


_Loader.add_constructor("!secret", _construct_secret)
_Loader.add_constructor("!yolo", _construct_yolo)


def load_yaml(text: str, *, source: str = "<config>") -> Any:
    """Parse one YAML document; raise :class:`ConfigFormatError` naming *source*, line and column."""
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))  # _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigFormatError(f"{_where(mark, source)}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigFormatError(f"{source}: {exc}") from None
    if len(documents) > 1:
        raise ConfigFormatError(f"{source}: holds {len(documents)} YAML documents; expected one")
    return documents[0] if documents else None


_OUR_TAGS = frozenset({"!secret", "!yolo"})


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as the reference files are written.
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def choose_scalar_style(self) -> str:
        # PyYAML quotes every explicitly tagged scalar; `!secret key` and `!yolo archive` read better plain.
        event = self.event
        if isinstance(event, yaml.ScalarEvent) and event.tag in _OUR_TAGS and not event.style:
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            plain = self.analysis.allow_flow_plain if self.flow_level else self.analysis.allow_block_plain
            if plain and not self.analysis.empty and not self.analysis.multiline:
                return ""
        return str(super().choose_scalar_style())


# Unicode line breaks that PyYAML writes raw inside single quotes, where reading folds them away.
_UNICODE_BREAKS = frozenset("\x85\u2028\u2029")


def _represent_str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    if _UNICODE_BREAKS.intersection(value):
        style = '"'  # double quotes escape them
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_secret(dumper: _Dumper, ref: SecretRef) -> yaml.ScalarNode:
    return dumper.represent_scalar("!secret", ref.key)


def _represent_yolo(dumper: _Dumper, yolo: Yolo) -> yaml.Node:
    if isinstance(yolo.action, dict):
        return dumper.represent_mapping("!yolo", yolo.action)
    return dumper.represent_scalar("!yolo", str(yolo.action))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(SecretRef, _represent_secret)
_Dumper.add_representer(Yolo, _represent_yolo)


def dump_yaml(data: Any) -> str:
    """Dump *data* as block-style YAML, keys in the given order, byte-stable for equal input."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,  # never fold long prompts across lines
        indent=2,
    )
