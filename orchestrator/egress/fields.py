"""Which field names an LLM profile's ``send_fields`` may use: those the installed platforms declare."""

from __future__ import annotations

from typing import Any

from integrations import registry


def declared_fields() -> dict[str, tuple[str, ...]]:
    """``{"email/inbox": ("from", …)}`` for every installed platform that declares ``llm_fields``."""
    found: dict[str, tuple[str, ...]] = {}
    for integration_type in registry.all_types():
        for platform in integration_type.platforms.values():
            if platform.llm_fields:
                found[f"{integration_type.type}/{platform.name}"] = platform.llm_fields
    return found


def send_fields_errors(value: Any) -> list[str]:
    """Save-time check: a list of names, each a field some installed platform sends."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        return ["send_fields must be a list of field names, e.g. [subject, body]"]
    declared = declared_fields()
    known = {name for names in declared.values() for name in names}
    unknown = [name for name in value if name not in known]
    if not unknown or not declared:
        return []
    listing = "; ".join(f"{where}: {', '.join(names)}" for where, names in sorted(declared.items()))
    return [f"send_fields: no platform has the field(s) {', '.join(unknown)}; the fields are {listing}"]
