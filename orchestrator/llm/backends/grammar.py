"""GBNF grammars that force the embedded model's reply into the schema's shape.

llama.cpp's own JSON-schema converter ignores ``minimum``/``maximum``, so classification schemas
(flat objects of bounded numbers, booleans and string enums) get a grammar written here, in which a
confidence can only be a number from 0 to 1. Any other schema falls back to the library converter;
the reply is validated afterwards either way.
"""

from __future__ import annotations

import json
from typing import Any

# 0, 0.x…, 1, 1.0…: every JSON number in [0, 1] with up to three decimals.
UNIT_INTERVAL = '"0" ("." [0-9] [0-9]? [0-9]?)? | "1" ("." "0" "0"? "0"?)?'
STRING = r'"\"" ( [^"\\\x00-\x1f] | "\\" ["\\/bfnrt] )* "\""'


def _literal(value: str) -> str:
    """A GBNF literal that matches the JSON encoding of *value*."""
    encoded = json.dumps(value)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value_rule(prop: dict[str, Any]) -> str | None:
    if "enum" in prop and all(isinstance(v, str) for v in prop["enum"]) and prop["enum"]:
        return " | ".join(_literal(v) for v in prop["enum"])
    kind = prop.get("type")
    if kind == "boolean":
        return '"true" | "false"'
    if kind == "number" and prop.get("minimum") == 0 and prop.get("maximum") == 1:
        return UNIT_INTERVAL
    if kind == "string" and "enum" not in prop:
        return "string"
    return None


def classification_grammar(schema: dict[str, Any]) -> str | None:
    """GBNF for a flat object whose properties are all required and of a supported kind, else None."""
    properties = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(properties, dict) or not properties:
        return None
    if set(schema.get("required", ())) != set(properties):
        return None
    rules, members = [], []
    for index, (name, prop) in enumerate(properties.items()):
        rule = _value_rule(prop) if isinstance(prop, dict) else None
        if rule is None:
            return None
        rules.append(f"v{index} ::= {rule}")
        members.append(f'{_literal(name)} ws ":" ws v{index}')
    body = ' ws "," ws '.join(members)
    lines = [
        f'root ::= "{{" ws {body} ws "}}"',
        *rules,
        f"string ::= {STRING}",
        "ws ::= [ \\t\\n]?",
    ]
    return "\n".join(lines) + "\n"


def schema_grammar(schema: dict[str, Any]) -> str:
    """The tightest grammar available for *schema*."""
    own = classification_grammar(schema)
    if own is not None:
        return own
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return str(json_schema_to_gbnf(json.dumps(schema)))
