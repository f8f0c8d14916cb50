"""Reading header fields from real-world mail: RFC 2047 words, stray 8-bit bytes, bad dates.

Every function here tolerates malformed input and returns ``None``/empty rather than raising:
the parser's contract is that no message, however broken, crashes collection.
"""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from email.header import Header, decode_header
from email.message import Message
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime

_WHITESPACE = re.compile(r"\s+")
_COMMENT = re.compile(r"\([^()]*\)")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
# Adjacent encoded words separated only by whitespace are joined without it (RFC 2047 §6.2).
_BETWEEN_WORDS = re.compile(r"(?<=\?=)\s+(?==\?)")
FALLBACK_CHARSETS = ("utf-8", "cp1252")


class _RawHeaderPolicy(Compat32):
    """compat32, but raw 8-bit header bytes stay as surrogate escapes instead of opaque Header
    objects, so :func:`raw_value` can decode them with the right charset."""

    def _sanitize_header(self, name: str, value: object) -> object:
        return value


PARSE_POLICY = _RawHeaderPolicy()


def decode_bytes(data: bytes, charset: str | None) -> str:
    """*data* in its declared *charset*, falling back to UTF-8 then cp1252 (never raises)."""
    for candidate in (charset, *FALLBACK_CHARSETS):
        if not candidate or candidate.lower() in {"unknown-8bit", "x-unknown", "8bit"}:
            continue
        try:
            codecs.lookup(candidate)
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return data.decode("latin-1")


def _unescape_8bit(text: str, hint: str | None) -> str:
    """Header text parsed from bytes keeps raw 8-bit bytes as surrogates: decode them properly.

    Undeclared 8-bit header bytes are tried as UTF-8, then as the charset the message declares for
    its body (*hint*: a Big5 message tends to have Big5 headers), then as cp1252.
    """
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(data, hint)


def charset_hint(msg: Message) -> str | None:
    """The charset of the message's first text part, a guess for undeclared 8-bit headers."""
    try:
        for part in msg.walk():
            if part.get_content_maintype() == "text" and part.get_content_charset():
                return part.get_content_charset()
    except Exception:
        return None
    return None


def _decode_words(text: str) -> str:
    if "=?" not in text:
        return text
    text = _BETWEEN_WORDS.sub("", text)
    pieces: list[str] = []
    position = 0
    for match in _ENCODED_WORD.finditer(text):
        pieces.append(text[position : match.start()])
        try:
            parts = decode_header(match.group(0))
            pieces.append("".join(decode_bytes(p, c) if isinstance(p, bytes) else p for p, c in parts))
        except Exception:  # a broken word (bad base64) stays as written
            pieces.append(match.group(0))
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)


def raw_value(value: object, hint: str | None = None) -> str:
    """A header value as one line of text, undecoded (8-bit bytes decoded, folding removed)."""
    if value is None:
        return ""
    if isinstance(value, Header):
        parts = []
        for payload, charset in decode_header(value):
            if isinstance(payload, bytes) and charset in {None, "unknown-8bit"}:
                parts.append(_unescape_8bit(payload.decode("ascii", "surrogateescape"), hint))
            elif isinstance(payload, bytes):
                parts.append(decode_bytes(payload, charset))
            else:
                parts.append(payload)
        text = "".join(parts)
    else:
        text = _unescape_8bit(str(value), hint)
    return _WHITESPACE.sub(" ", text).strip()


def decoded(value: object, hint: str | None = None) -> str:
    """A header value with RFC 2047 encoded words decoded, on one line."""
    text = _decode_words(raw_value(value, hint))
    return _WHITESPACE.sub(" ", text.replace("\x00", "")).strip()


def first(msg: Message, name: str) -> str | None:
    """The first *name* header, decoded; ``None`` when absent or empty."""
    try:
        values = msg.get_all(name) or []
    except Exception:
        return None
    hint = charset_hint(msg) if any(_has_8bit(v) for v in values) else None
    for value in values:
        text = decoded(value, hint)
        if text:
            return text
    return None


def all_raw(msg: Message, name: str) -> list[str]:
    """Every *name* header, top to bottom, undecoded."""
    try:
        values = msg.get_all(name) or []
        hint = charset_hint(msg) if any(_has_8bit(v) for v in values) else None
        return [raw_value(value, hint) for value in values]
    except Exception:
        return []


def _has_8bit(value: object) -> bool:
    if isinstance(value, Header):  # compat32 wraps headers with raw 8-bit bytes in Header objects
        return True
    return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """``(display name, lower-cased address)`` pairs from every *name* header; junk is skipped."""
    pairs = []
    try:
        found = getaddresses(all_raw(msg, name))
    except Exception:
        return []
    for display, address in found:
        address = address.strip().strip("<>").lower()
        if "@" not in address or " " in address:
            continue
        pairs.append((decoded(display).strip('"').strip(), address))
    return pairs


def address_list(msg: Message, *names: str) -> list[str]:
    out: list[str] = []
    for name in names:
        out.extend(address for _, address in addresses(msg, name) if address not in out)
    return out


def domain_of(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].strip().strip(".>").lower()
    return domain or None


def parse_date(text: str | None) -> datetime | None:
    """An aware UTC datetime from an RFC 5322 date (comments allowed); ``None`` when unusable."""
    if not text:
        return None
    cleaned = _COMMENT.sub(" ", text).strip()
    try:
        moment = parsedate_to_datetime(cleaned)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def received_at(msg: Message) -> datetime | None:
    """When the receiving server got the message: the date of the topmost usable ``Received``."""
    for value in all_raw(msg, "Received"):
        if ";" not in value:
            continue
        moment = parse_date(value.rsplit(";", 1)[1])
        if moment is not None:
            return moment
    return None


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def message_ids(text: str | None) -> list[str]:
    """The ``<id>`` tokens of an In-Reply-To/References value (malformed ones dropped)."""
    if not text:
        return []
    return re.findall(r"<[^<>\s]+>", text)


def normalise_message_id(value: str | None) -> str | None:
    """A Message-ID without folding whitespace; ``None`` when empty."""
    if not value:
        return None
    text = _WHITESPACE.sub("", value)
    found = message_ids(text)
    return found[0] if found else (text or None)
