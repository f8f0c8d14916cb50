"""The YAML dialect of Steward's configuration: one loader for ``import_config`` and the admin.

Safe YAML (or JSON) plus ``!yolo`` and, in files only, ``!secret <key>``:

* ``!secret <key>`` loads as a :class:`SecretRef`; the importer looks the key up in the secrets
  file. The admin has password boxes for secrets, so there (``secrets=False``) the tag is refused.
* ``!yolo`` wraps one action (a scalar or a mapping) and loads as ``{"yolo": action}`` — the JSON form
  the database stores. The exporter wraps such actions in :class:`Yolo` so they dump as ``!yolo``.
* Dates and times stay strings (``after: 2024-01-01``): a date would not survive the JSON column.
* Text that starts like JSON is read as JSON first (YAML reads ``1e5`` as a string, JSON as a number).

Loading refuses what cannot be stored or would explode, each with one line naming the line and
column (or the path of the value) and the limit: duplicate keys (YAML would silently keep the last
one), nesting deeper than :data:`MAX_DEPTH`, aliases that expand the document beyond
:data:`MAX_NODES` nodes ("billion laughs") or refer to themselves, binary, sets, NaN, NUL characters
and lone surrogates. The same text is accepted or refused the same way by both paths.

Dumping is deterministic: keys in the order given, literal blocks for multi-line strings, indented
lists, no anchors, no line folding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from orchestrator.security.json_input import InputError, depth_check, text_check

MAX_DEPTH = 64
MAX_NODES = 100_000


class ConfigFormatError(ValueError):
    """The text is not valid config YAML; the message names the source, line and column.

    ``where`` is the position ("line 2, column 5", or a value's path) and ``problem`` the rest, so
    a caller with its own framing (the admin's form errors) can say it its way.
    """

    def __init__(self, source: str, where: str, problem: str, *, language: str = "YAML"):
        self.source, self.where, self.problem, self.language = source, where, problem, language
        super().__init__(", ".join(part for part in (source, where) if part) + f": {problem}")


@dataclass(frozen=True)
class SecretRef:
    """A ``!secret <key>`` reference to a value in the secrets file."""

    key: str


@dataclass(frozen=True)
class Yolo:
    """An action to dump as ``!yolo`` (the database holds it as ``{"yolo": action}``)."""

    action: Any


def _position(mark: yaml.Mark | None) -> str:
    return "" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}"


class _Loader(yaml.SafeLoader):
    """SafeLoader with limits, no timestamps, duplicate keys refused, ``!yolo``, ``!secret`` refused."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._open_anchors: set[str] = set()
        self._anchor_sizes: dict[str, int] = {}

    def _count(self, nodes: int, mark: Any) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"the document expands to more than {MAX_NODES} values (limit {MAX_NODES}); "
                "aliases (*name) repeat what they point at — write the values out instead",
                mark,
            )

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open_anchors:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"alias *{event.anchor} refers to a value that contains it",
                    event.start_mark,  # type: ignore[arg-type]  # the C and Python marks are alike
                )
            self._count(self._anchor_sizes.get(str(event.anchor), 1), event.start_mark)
            return super().compose_node(parent, index)  # type: ignore[return-value]  # never None here
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels (limit {MAX_DEPTH})", event.start_mark
            )
        anchor = getattr(event, "anchor", None)
        before = self._nodes
        self._count(1, event.start_mark)
        if anchor:
            self._open_anchors.add(anchor)
        try:
            node: yaml.Node = super().compose_node(parent, index)  # type: ignore[assignment]  # never None
        finally:
            self._depth -= 1
            self._open_anchors.discard(anchor or "")
        if anchor:
            self._anchor_sizes[anchor] = self._nodes - before
        return node

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
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
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]  # stubs say MappingNode


# Copy before removing: the resolver table is shared with every other SafeLoader.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FileLoader(_Loader):
    """The config files' loader: ``!secret`` references allowed."""


def _construct_secret(loader: _Loader, node: yaml.Node) -> SecretRef:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise yaml.constructor.ConstructorError(
            None,
            None,
            "!secret takes the name of a key in the secrets file, e.g. !secret my_token",
            node.start_mark,
        )
    return SecretRef(str(node.value).strip())


def _refuse_secret(loader: _Loader, node: yaml.Node) -> None:
    raise yaml.constructor.ConstructorError(
        None,
        None,
        "!secret belongs in config files imported with import_config; here, type the secret "
        "into its password box",
        node.start_mark,
    )


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


_Loader.add_constructor("!yolo", _construct_yolo)
_Loader.add_constructor("!secret", _refuse_secret)
_FileLoader.add_constructor("!secret", _construct_secret)


class _DuplicateJsonKey(ValueError):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _DuplicateJsonKey  # the YAML reading below names its line
    return value


def _load_json(text: str, source: str) -> tuple[Any, ConfigFormatError | None]:
    """``(value, None)``, or ``(None, error)`` when the text is not JSON (it may still be YAML)."""
    try:
        depth_check(text, where="text", max_depth=MAX_DEPTH)
    except InputError as exc:
        raise ConfigFormatError(source, "", exc.detail.removeprefix("text: "), language="JSON") from None
    try:
        return json.loads(text, object_pairs_hook=_json_object), None
    except json.JSONDecodeError as exc:
        return None, ConfigFormatError(
            source, f"line {exc.lineno}, column {exc.colno}", exc.msg, language="JSON"
        )
    except _DuplicateJsonKey:
        return None, None


def _load_yaml_text(text: str, source: str, loader: type[_Loader]) -> Any:
    try:
        documents = list(yaml.load_all(text, Loader=loader))  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigFormatError(source, _position(mark), problem) from None
    except yaml.YAMLError as exc:
        raise ConfigFormatError(source, "", str(exc)) from None
    if len(documents) > 1:
        raise ConfigFormatError(source, "", f"holds {len(documents)} YAML documents; expected one")
    return documents[0] if documents else None


def _storable(value: Any) -> str:
    return value.key if isinstance(value, SecretRef) else _not_storable(value)


def _not_storable(value: Any) -> str:
    raise TypeError(f"{type(value).__name__} values (such as {str(value)[:40]!r}) are not JSON")


def _check_storable(value: Any, source: str) -> None:
    """Refuse what YAML can express but a JSON column cannot hold (binary, sets, NaN, bad text)."""
    try:
        json.dumps(value, allow_nan=False, default=_storable)
    except (TypeError, ValueError) as exc:
        raise ConfigFormatError(source, "", f"cannot be stored as JSON: {exc}") from None
    try:
        text_check(value, where="value")
    except InputError as exc:
        where, _, problem = exc.detail.partition(": ")
        raise ConfigFormatError(source, f"at {where}", problem) from None


def load_yaml(text: str, *, source: str = "<config>", secrets: bool = True) -> Any:
    """Parse one YAML (or JSON) document; raise :class:`ConfigFormatError` naming *source* and where.

    *secrets*: whether ``!secret`` references are allowed (config files) or refused (the admin).
    """
    value: Any = None
    json_error: ConfigFormatError | None = None
    stripped = text.strip()
    if stripped[:1] in {"{", "["}:
        value, json_error = _load_json(stripped, source)
        if json_error is None and value is not None:
            _check_storable(value, source)
            return value
    try:
        value = _load_yaml_text(text, source, _FileLoader if secrets else _Loader)
    except ConfigFormatError:
        if json_error is not None:  # it looked like JSON: its error is the helpful one
            raise json_error from None
        raise
    _check_storable(value, source)
    return value


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
