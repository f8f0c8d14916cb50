"""Parsing imaplib's FETCH and LIST answers into plain data.

imaplib hands back FETCH responses as a flat list: a message with literals arrives as
``(b'12 (UID 40 BODY[] {345}', b'<literal>')`` followed by the rest of its line (``b' FLAGS ())'``),
one without literals as a single ``b'13 (UID 41 FLAGS (\\Seen))'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from integrations.email.imap_utf7 import decode_mailbox

_START = re.compile(rb"^\d+ \(")
_UID = re.compile(rb"\bUID (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
_SECTION = re.compile(rb"(BODY\[[^\]]*\](?:<\d+>)?|RFC822(?:\.HEADER|\.TEXT)?) \{\d+\}$")
_LIST = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) ?(?P<name>.*)$')


@dataclass
class Fetched:
    """One message's FETCH data: its UID, flags and any literal sections by name."""

    uid: int = 0  # IMAP UIDs start at 1: 0 means the response carried none
    flags: frozenset[str] = frozenset()
    size: int | None = None
    internal_date: datetime | None = None
    sections: dict[str, bytes] = field(default_factory=dict)
    text: bytes = b""

    def section(self, prefix: str) -> bytes | None:
        """The literal whose section name starts with *prefix* (``BODY[HEADER``, ``BODY[]``)."""
        for name, data in self.sections.items():
            if name.startswith(prefix):
                return data
        return None


def _finish(message: Fetched) -> Fetched:
    text = message.text
    if (match := _UID.search(text)) is not None:
        message.uid = int(match.group(1))
    if (match := _FLAGS.search(text)) is not None:
        message.flags = frozenset(match.group(1).decode("ascii", "replace").split())
    if (match := _SIZE.search(text)) is not None:
        message.size = int(match.group(1))
    if (match := _INTERNALDATE.search(text)) is not None:
        try:
            message.internal_date = datetime.strptime(match.group(1).decode(), "%d-%b-%Y %H:%M:%S %z")
        except ValueError:
            message.internal_date = None
    return message


def parse_fetch(data: list[object]) -> list[Fetched]:
    """Every FETCH response in *data* that carries a UID (unsolicited flag updates included)."""
    messages: list[Fetched] = []
    current: Fetched | None = None
    for item in data:
        if item is None:
            continue
        head = item[0] if isinstance(item, tuple) else item
        if not isinstance(head, bytes):
            continue
        if _START.match(head) or current is None:
            current = Fetched()
            messages.append(current)
        current.text += head
        if isinstance(item, tuple) and len(item) > 1 and isinstance(item[1], bytes):
            match = _SECTION.search(head.rstrip())
            name = match.group(1).decode("ascii", "replace") if match else f"literal{len(current.sections)}"
            current.sections[name] = item[1]
            current.text += b" "
    return [m for m in (_finish(m) for m in messages) if m.uid > 0]


@dataclass(frozen=True)
class FolderInfo:
    name: str  # decoded (UTF-8) name
    attributes: frozenset[str]  # lower-cased: \noselect, \archive, \junk, …


def _unquote(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def parse_list(data: list[object]) -> list[FolderInfo]:
    folders = []
    for item in data:
        if item is None:
            continue
        literal_name = None
        if isinstance(item, tuple):
            head, literal_name = item[0], item[1]
        else:
            head = item
        if not isinstance(head, bytes):
            continue
        match = _LIST.match(head.strip())
        if match is None:
            continue
        raw_name = literal_name if isinstance(literal_name, bytes) else match.group("name")
        name = decode_mailbox(
            _unquote(raw_name) if literal_name is None else raw_name.decode("utf-8", "replace")
        )
        attributes = frozenset(a.lower() for a in match.group("flags").decode("ascii", "replace").split())
        folders.append(FolderInfo(name=name, attributes=attributes))
    return folders


def compress_uids(uids: list[int]) -> str:
    """``[1, 2, 3, 7, 9, 10]`` → ``"1:3,7,9:10"``: a UID set that stays short for long runs."""
    ordered = sorted(set(uids))
    if not ordered:
        return ""
    ranges = []
    start = end = ordered[0]
    for uid in ordered[1:]:
        if uid == end + 1:
            end = uid
            continue
        ranges.append(f"{start}:{end}" if end > start else str(start))
        start = end = uid
    ranges.append(f"{start}:{end}" if end > start else str(start))
    return ",".join(ranges)
