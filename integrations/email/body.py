"""What a message says and carries: its readable text (HTML turned into text) and its attachments.

Walks the MIME tree defensively: broken boundaries, bogus transfer encodings and unknown charsets
give less text, never an exception.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from email.message import Message
from html.parser import HTMLParser

from integrations.email.headers import decode_bytes

CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from HTML: scripts, styles and tags dropped, blocks on their own lines."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # HTMLParser is lenient, but never let markup stop collection
        text = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return tidy(text)


def tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def payload_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part (transfer encoding undone, errors tolerated)."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(payload_bytes(part), charset)


def leaves(msg: Message) -> Iterator[tuple[Message, Message | None]]:
    """Every leaf part with its parent container, without descending into attached messages."""
    stack: list[tuple[Message, Message | None]] = [(msg, None)]
    while stack:
        part, parent = stack.pop(0)
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            children = part.get_payload()
            if isinstance(children, list):
                stack[0:0] = [(child, part) for child in children if isinstance(child, Message)]
            continue
        yield part, parent


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_param("name")
        return part.get_filename() or (name if isinstance(name, str) else None)
    except Exception:
        return None


def is_attachment(part: Message, parent: Message | None) -> bool:
    """Attached files and messages count; body text and inline ``cid:`` images do not."""
    disposition = _disposition(part)
    content_type = part.get_content_type()
    if disposition == "attachment":
        return True
    if content_type == "message/rfc822":
        return True
    if disposition == "inline" or part.get("Content-ID"):
        inline_related = parent is not None and parent.get_content_type() == "multipart/related"
        if part.get("Content-ID") or inline_related or part.get_content_maintype() == "image":
            return False
    if part.get_content_maintype() in {"text", "multipart"} and not _filename(part):
        return False
    if content_type in {"message/delivery-status", "message/feedback-report", "text/rfc822-headers"}:
        return False
    return bool(_filename(part)) or part.get_content_maintype() not in {"text", "message"}


def has_attachments(msg: Message) -> bool:
    return any(is_attachment(part, parent) for part, parent in leaves(msg))


def body_text(msg: Message) -> str:
    """The message's readable text: its text/plain parts, else its HTML parts as text."""
    plain: list[str] = []
    markup: list[str] = []
    for part, parent in leaves(msg):
        if is_attachment(part, parent):
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain":
            plain.append(part_text(part))
        elif content_type == "text/html":
            markup.append(part_text(part))
    if any(text.strip() for text in plain):
        return tidy("\n\n".join(plain))
    return html_to_text("\n".join(markup)) if markup else ""


def calendar_parts(msg: Message) -> list[bytes]:
    """The payloads of the message's iCalendar parts, inline or attached (not in forwarded mail)."""
    found = []
    for part, _ in leaves(msg):
        content_type = part.get_content_type()
        if content_type in CALENDAR_TYPES or (
            content_type == "application/octet-stream" and (_filename(part) or "").lower().endswith(".ics")
        ):
            found.append(payload_bytes(part))
    return found
