"""JSON from clients, parsed within limits: HTTP request bodies and websocket frames alike.

* Nesting is bounded (:data:`MAX_DEPTH`) *before* parsing, so ``[`` × 100,000 is a clear refusal
  instead of a RecursionError.
* Text must be valid Unicode that every database stores: a lone surrogate (``"\\ud800"``, which
  JSON can spell but UTF-8 cannot encode) or a NUL character is refused, in keys and values alike.
* ``NaN`` and ``Infinity`` are not JSON and cannot be stored in a JSON column: refused.

Every refusal is an :class:`InputError` whose detail names the limit or the problem and where it is
(``body.content``, ``frame line 1, column 40``), so the client knows what to fix.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

MAX_DEPTH = 32

# A JSON string (escapes included) or a bracket: what the depth scan needs to see.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_SURROGATES = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """Client input refused; ``status`` is the HTTP status (413, 415, 422), ``detail`` says why."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _line_column(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def depth_check(text: str, *, where: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse JSON text whose arrays and objects nest deeper than *max_depth*."""
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                raise InputError(
                    422,
                    f"{where}: nested deeper than {max_depth} levels "
                    f"(limit {max_depth}) at {_line_column(text, token.start())}",
                )
        elif bracket in "]}":
            depth -= 1


def text_problem(text: str) -> str | None:
    """Why *text* cannot be stored as text, or None."""
    if "\x00" in text:
        return "contains a NUL character (U+0000), which text cannot hold"
    surrogate = _SURROGATES.search(text)
    if surrogate is not None:
        return (
            f"contains a lone surrogate (U+{ord(surrogate.group()):04X}), which is not valid "
            "Unicode; send UTF-8 text"
        )
    return None


def _child(where: str, key: Any) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"


def text_problems(
    value: Any,
    where: str,
    *,
    key_place: Callable[[str, Any], str] = _child,
    index_place: Callable[[str, int], str] = _child,
) -> Iterator[tuple[str, str]]:
    """``(place, problem)`` for each string (key or value) in *value* that is not storable text, and
    each number JSON cannot hold (YAML's ``.inf``, ``.nan``); the place of a mapping's value is
    ``key_place(place, key)``, of a list's ``index_place(place, i)``."""
    pending: list[tuple[str, Any]] = [(where, value)]
    while pending:
        place, current = pending.pop()
        if isinstance(current, str):
            if (problem := text_problem(current)) is not None:
                yield place, problem
        elif isinstance(current, float) and not math.isfinite(current):
            yield place, f"{current} is not a number JSON can store; give a finite number"
        elif isinstance(current, dict):
            for key, inner in current.items():
                if isinstance(key, str) and (problem := text_problem(key)) is not None:
                    yield place, f"a key {problem}"
                pending.append((key_place(place, key), inner))
        elif isinstance(current, list):
            pending.extend((index_place(place, index), inner) for index, inner in enumerate(current))


def text_check(value: Any, *, where: str) -> None:
    """Refuse the first string (key or value) in *value* that is not storable text, naming its place."""
    for place, problem in text_problems(value, where):
        raise InputError(422, f"{place}: {problem}")


def _no_constants(name: str) -> Any:
    raise InputError(422, f"{name} is not a JSON number")


def json_parse(raw: bytes | str, *, where: str = "body", max_depth: int = MAX_DEPTH) -> Any:
    """Parse client JSON within the limits above; raise :class:`InputError` (422) otherwise."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(422, f"{where}: not valid UTF-8 (byte {exc.start})") from None
    else:
        text = raw
    depth_check(text, where=where, max_depth=max_depth)
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        position = f"line {exc.lineno}, column {exc.colno}"
        raise InputError(422, f"{where}: invalid JSON at {position}: {exc.msg}") from None
    except InputError as exc:
        raise InputError(422, f"{where}: {exc.detail}") from None
    text_check(value, where=where)
    return value
