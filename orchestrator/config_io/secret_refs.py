"""``!secret`` references: where they may stand, how import resolves them, how export names them.

Only secret fields take a ``!secret``: ``llms.<name>.token`` and the ``secret_fields`` an integration
type declares. Anywhere else a reference would be stored — and exported — as plain text, so import
refuses it instead.

An empty value in the secrets file means "keep what is stored": re-importing an export together
with its (unfilled) secrets template changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from integrations import registry
from orchestrator.config_io.document import Reader, child, item
from orchestrator.config_io.yaml_format import SecretRef


def llm_secret_name(name: str) -> str:
    return f"llm_{name}_token"


def integration_secret_name(type_name: str, name: str, field: str) -> str:
    return f"{type_name}_{name}_{field}"


def _refs(value: Any, path: str) -> Iterator[tuple[str, SecretRef]]:
    if isinstance(value, SecretRef):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _refs(inner, child(path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _refs(inner, item(path, index))


def _allowed_paths(config: Mapping[str, Any]) -> tuple[set[str], dict[str, str]]:
    """Paths where a ``!secret`` may stand, and hints for misplaced ones by parent path."""
    allowed: set[str] = set()
    hints: dict[str, str] = {}
    llms = config.get("llms")
    if isinstance(llms, dict):
        for name in llms:
            allowed.add(child(child("llms", name), "token"))
    integrations = config.get("integrations")
    if isinstance(integrations, list):
        for index, body in enumerate(integrations):
            if not isinstance(body, dict):
                continue
            path = item("integrations", index)
            try:
                fields = registry.get(str(body.get("type"))).secret_fields
            except registry.UnknownIntegrationType:
                fields = tuple(str(key) for key in body)  # the unknown type is reported on its own
            allowed.update(child(path, field) for field in fields)
            hints[path] = f"type {body.get('type')}'s secret fields are: {', '.join(fields) or 'none'}"
    return allowed, hints


def misplaced_secret_refs(config: Mapping[str, Any]) -> list[str]:
    """One problem per ``!secret`` that stands where no secret field is."""
    allowed, hints = _allowed_paths(config)
    problems = []
    for path, ref in _refs(dict(config), ""):
        if path in allowed:
            continue
        hint = (
            hints.get(path.rsplit(".", 1)[0])
            or "secrets go in llms.<name>.token and integrations' secret fields"
        )
        problems.append(f"{path}: `!secret {ref.key}` is only allowed on a secret field ({hint})")
    return problems


class SecretResolver:
    """Turns the value of a secret field into the text to store, reporting what is missing."""

    def __init__(self, secrets: Mapping[str, Any], reader: Reader):
        self.secrets = secrets
        self.reader = reader

    def resolve(self, value: Any, path: str, *, stored: str = "") -> str | None:
        """The secret for *path* ("" for none); ``None`` after reporting a problem.

        *stored* is the value already in the database, kept when the secrets file leaves it empty.
        """
        if value is None:
            return ""
        if not isinstance(value, SecretRef):
            if not isinstance(value, str):
                self.reader.problem(path, "expected a string or a !secret reference")
                return None
            if value:
                self.reader.notice(
                    f"{path}: a secret written in the config file itself; it is stored encrypted and "
                    "export writes it as a !secret reference"
                )
            return value
        if value.key not in self.secrets:
            self.reader.problem(path, f"`!secret {value.key}` is not defined in the secrets file")
            return None
        secret = self.secrets[value.key]
        if secret is None or secret == "":
            if stored:
                return stored
            self.reader.problem(
                path, f"`!secret {value.key}` is empty in the secrets file and nothing is stored yet"
            )
            return None
        if isinstance(secret, bool) or not isinstance(secret, str | int | float):
            self.reader.problem(path, f"`!secret {value.key}` must be a string in the secrets file")
            return None
        return str(secret)
