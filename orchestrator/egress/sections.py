"""An item's classifier input (``Item.llm_input``) split into named fields, for ``send_fields``.

Plugins write the input as ``Label: value`` header lines followed by blocks introduced by a line
``Label:`` alone (``Body:``, ``Diff:``) — see integrations/email/llm_input.py and
integrations/github/collecting.py. Field names are the labels in lower case with ``_`` for spaces
(``from``, ``subject``, ``body``, ``pull_request``, ``diff``). A block runs to the next block label
the plugin declared after it; text that an item's author wrote can only end up in a later block
of its own item, never in a header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^([A-Za-z][A-Za-z ]{0,40}): ?(.*)$")
_BLOCK = re.compile(r"^([A-Za-z][A-Za-z ]{0,40}):$")


def field_name(label: str) -> str:
    return label.strip().lower().replace(" ", "_")


def split_sections(text: str, blocks: Sequence[str] = ("body", "diff")) -> list[tuple[str, str]]:
    """``[(field, text)]`` in order; lines before any label go to ``text``."""
    lines = text.split("\n")
    sections: list[tuple[str, str]] = []
    index = 0
    while index < len(lines):  # headers, until the first block label
        line = lines[index]
        block = _BLOCK.match(line)
        if block and field_name(block[1]) in blocks:
            break
        header = _HEADER.match(line)
        sections.append((field_name(header[1]), header[2]) if header else ("text", line))
        index += 1
    rest = lines[index:]
    names = [field_name(name) for name in blocks]
    while rest:
        name = field_name(rest[0][:-1])
        later = names[names.index(name) + 1 :] if name in names else []
        # The block ends at the *last* line naming a later block (content may contain a first one).
        end = len(rest)
        for position in range(len(rest) - 1, 0, -1):
            match = _BLOCK.match(rest[position])
            if match and field_name(match[1]) in later:
                end = position
                break
        sections.append((name, "\n".join(rest[1:end])))
        rest = rest[end:]
    return sections


def join_sections(sections: Sequence[tuple[str, str]], blocks: Sequence[str] = ("body", "diff")) -> str:
    lines = []
    for name, value in sections:
        label = name.replace("_", " ").capitalize()
        lines.extend([f"{label}:", value] if name in blocks else [f"{label}: {value}"])
    return "\n".join(lines)
