"""Collected content made storable by every database: what a source sent is kept, not refused.

PostgreSQL's text and jsonb cannot hold NUL, and no UTF-8 column can hold a lone surrogate (which
Python's mail parser leaves for undecodable bytes). A source's content is not a client request to
refuse — the item must still be stored, classified and acted on — so each such character becomes
U+FFFD, the replacement character, in keys and values alike. SQLite and PostgreSQL then store the
same text.
"""

from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def is_storable(text: str) -> bool:
    """Whether *text* is stored as it is (no NUL, no lone surrogate)."""
    return _UNSTORABLE.search(text) is None


def storable(value: Any) -> Any:
    """*value* (JSON-shaped) with every NUL and lone surrogate replaced by U+FFFD."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value
