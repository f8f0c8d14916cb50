"""Reading a parsed config document: every problem is collected with the full path of its key.

Paths look like ``integrations[0].platforms.inbox.limit``; keys holding dots or spaces are quoted
(``queue_policies.overrides["service.*"].rate_limit``) so the path stays unambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.config_io.yaml_format import SecretRef

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

Kind = type | tuple[type, ...]


class ConfigError(Exception):
    """The configuration cannot be imported; ``problems`` lists each one with its path."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def child(path: str, key: Any) -> str:
    text = str(key)
    if not _PLAIN_KEY.match(text):
        text = f'["{text}"]' if path else f'"{text}"'
        return f"{path}{text}"
    return f"{path}.{text}" if path else text


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def describe(value: Any) -> str:
    """A value as a person would name it in an error message."""
    if isinstance(value, SecretRef):
        return f"!secret {value.key}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _kind_name(kind: Kind) -> str:
    names = {
        str: "a string",
        int: "a whole number",
        bool: "true or false",
        dict: "a mapping",
        list: "a list",
        float: "a number",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _is_kind(value: Any, kind: Kind) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):  # YAML's true is not a number here
        return bool in kinds
    return isinstance(value, kinds)


class Reader:
    """Collects problems and notices while the importer walks the document."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notices: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def notice(self, message: str) -> None:
        self.notices.append(message)

    def mapping(self, value: Any, path: str) -> dict[str, Any] | None:
        """*value* as a mapping (nothing counts as empty); ``None`` and a problem when it is not."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping, got {describe(value)}")
            return None
        return value

    def known_keys(
        self, mapping: Mapping[Any, Any], path: str, valid: Iterable[str], *, ignored: Iterable[str] = ()
    ) -> bool:
        """Report each key of *mapping* that is not in *valid*; True when all are known."""
        valid_keys = sorted(set(valid))
        skip = set(ignored)
        ok = True
        for key in mapping:
            if key in valid_keys or key in skip:
                continue
            ok = False
            listing = ", ".join(valid_keys) or "none"
            self.problem(child(path, key), f"unknown key; valid keys: {listing}")
        return ok

    def typed(self, mapping: Mapping[str, Any], path: str, spec: Mapping[str, Kind]) -> dict[str, Any]:
        """The keys of *spec* that *mapping* holds with the right kind; missing or null ones left out."""
        values: dict[str, Any] = {}
        for key, kind in spec.items():
            value = mapping.get(key)
            if value is None:
                continue
            if _is_kind(value, kind):
                values[key] = value
            else:
                self.problem(child(path, key), f"expected {_kind_name(kind)}, got {describe(value)}")
        return values

    def section(
        self,
        mapping: Mapping[str, Any] | None,
        path: str,
        spec: Mapping[str, Kind],
        *,
        ignored: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """Check keys and kinds of a fixed-shape section; ``None`` when any key is unknown or the
        section is absent (*mapping* ``None``, nothing reported)."""
        if mapping is None or not self.known_keys(mapping, path, spec, ignored=ignored):
            return None
        return self.typed(mapping, path, spec)
