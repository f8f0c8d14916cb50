"""One raw message → its snapshot (every deterministic field of an email item) and its LLM input.

:func:`parse_message` never raises: each field is extracted on its own, and a field whose
extraction fails on a broken message gets its empty value (and a debug log line) instead of
stopping collection. Raw MIME is never stored — only the fields below.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from integrations.email import authentication, body, calendar, headers, unsubscribe
from integrations.email.keys import KeyMaterial, key_material_of
from integrations.email.llm_input import build_llm_input

if TYPE_CHECKING:
    import tldextract

logger = logging.getLogger(__name__)
T = TypeVar("T")

SEEN, FLAGGED, ANSWERED, DRAFT, DELETED = r"\Seen", r"\Flagged", r"\Answered", r"\Draft", r"\Deleted"
# Bigger messages are parsed from their header and the start of their body only (a 25 MB video
# attachment says nothing the first megabyte does not).
PARSE_LIMIT_BYTES = 2 * 1024 * 1024
_NOREPLY = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|bounces?)(?:[-_.+].*)?$",
    re.IGNORECASE,
)
_TAG = re.compile(r"^\s*\[[^\]]*\]\s*")
_PREFIX = re.compile(r"^\s*([^\W\d_]{1,6}|回复|答复|转发)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*", re.IGNORECASE)
REPLY_PREFIXES = frozenset(
    {"re", "aw", "sv", "antw", "odp", "vs", "ynt", "rif", "ref", "res", "回复", "答复"}
)
FORWARD_PREFIXES = frozenset({"fwd", "fw", "wg", "tr", "rv", "enc", "vb", "vl", "doorst", "转发"})
_FORWARD_MARKER = re.compile(r"(?:-{4,}\s*forwarded message|begin forwarded message:)", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedMessage:
    snapshot: dict[str, Any]
    llm_input: str
    low_trust: bool
    key: KeyMaterial


@lru_cache(maxsize=1)
def _public_suffixes() -> tldextract.TLDExtract:
    # The list bundled with tldextract: never fetched over the network. Imported here, in the worker
    # that parses mail: with requests and urllib3 it is ~0.25 s of every process's start-up.
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def root_domain(domain: str | None) -> str | None:
    """The registrable domain (``mail.news.example.co.uk`` → ``example.co.uk``), offline."""
    if not domain:
        return None
    parts = _public_suffixes()(domain)
    registrable = getattr(parts, "top_domain_under_public_suffix", None)
    if registrable is None:
        registrable = parts.registered_domain
    return registrable or domain


def _safe(name: str, func: Callable[[], T], default: T) -> T:
    try:
        return func()
    except Exception as exc:  # one broken field must not lose the message
        logger.debug("email field %s unparsable: %s: %s", name, type(exc).__name__, exc)
        return default


def subject_prefixes(subject: str) -> list[str]:
    """The reply/forward prefixes in front of a subject (``Re: [list] Fwd: x`` → re, fwd)."""
    found = []
    rest = subject
    for _ in range(10):
        tag = _TAG.match(rest)
        if tag:
            rest = rest[tag.end() :]
            continue
        match = _PREFIX.match(rest)
        if not match or match.group(1).lower() not in REPLY_PREFIXES | FORWARD_PREFIXES:
            break
        found.append(match.group(1).lower())
        rest = rest[match.end() :]
    return found


def _reply_forward(msg: Message, subject: str, text: str) -> tuple[bool, bool]:
    prefixes = subject_prefixes(subject)
    first = prefixes[0] if prefixes else None
    is_forward = first in FORWARD_PREFIXES or (first is None and bool(_FORWARD_MARKER.search(text[:5000])))
    # A bare In-Reply-To also marks a reply — unless it is a bounce or other automated answer.
    in_reply_to = headers.message_ids(headers.first(msg, "In-Reply-To"))
    automated = _is_noreply(
        headers.address_list(msg, "From")[0] if headers.address_list(msg, "From") else None
    )
    is_reply = first in REPLY_PREFIXES or (
        not is_forward and first is None and bool(in_reply_to) and not automated
    )
    return is_reply, is_forward


def _is_noreply(address: str | None) -> bool:
    return bool(address) and bool(_NOREPLY.match((address or "").split("@", 1)[0]))


def _is_auto_submitted(msg: Message) -> bool:
    """Machine-sent by its own account: ``Auto-Submitted`` other than ``no`` (RFC 3834), or
    ``Precedence: bulk/junk/auto_reply``. (``Precedence: list`` is not: people post to lists.)"""
    auto = (headers.first(msg, "Auto-Submitted") or "").split(";", 1)[0].strip().lower()
    precedence = (headers.first(msg, "Precedence") or "").strip().lower()
    return (bool(auto) and auto != "no") or precedence in {"bulk", "junk", "auto_reply"}


def _first_id(value: str | None) -> str | None:
    found = headers.message_ids(value)
    return found[0] if found else None


def parse_bytes(raw: bytes) -> Message:
    if raw.startswith(b"From ") and b"\n" in raw:  # an mbox separator line, not a header
        raw = raw.split(b"\n", 1)[1]
    return BytesParser(policy=headers.PARSE_POLICY).parsebytes(raw[:PARSE_LIMIT_BYTES])


def parse_message(
    raw: bytes,
    *,
    uid: int | str | None,
    flags: Iterable[str] = (),
    size: int | None = None,
    internal_date: datetime | None = None,
    folder: str = "INBOX",
    trusted_authserv_id: str | None = None,
    own_addresses: Iterable[str] = (),
) -> ParsedMessage:
    """Parse one message; *flags* are IMAP flag names (``\\Seen``…) whatever the source."""
    flag_set = set(flags)
    msg = _safe("mime", lambda: parse_bytes(raw), Message())
    key = _safe("key", lambda: key_material_of(raw), KeyMaterial(None, "sha256:"))
    sender = _safe("from", lambda: headers.addresses(msg, "From")[:1], list[tuple[str, str]]())
    from_name, from_address = sender[0] if sender else ("", None)
    if not from_address:
        from_name = _safe("from_name", lambda: headers.first(msg, "From") or "", "")
    subject = _safe("subject", lambda: headers.first(msg, "Subject") or "", "")
    text = _safe("body", lambda: body.body_text(msg), "")
    sent = _safe("date", lambda: headers.parse_date(headers.first(msg, "Date")), None)
    received = _safe("received", lambda: headers.received_at(msg), None) or sent or internal_date
    to_addresses = _safe("to", lambda: headers.address_list(msg, "To"), list[str]())
    cc_addresses = _safe("cc", lambda: headers.address_list(msg, "Cc"), list[str]())
    recipients = [*own_addresses, *to_addresses, *cc_addresses]
    event = _safe("calendar", lambda: calendar.calendar_fields(body.calendar_parts(msg), recipients), None)
    auth = _safe(
        "authentication",
        lambda: authentication.verdicts(msg, trusted_authserv_id),
        {"spf_pass": False, "dkim_pass": False, "dmarc_pass": False},
    )
    is_reply, is_forward = _safe("reply", lambda: _reply_forward(msg, subject, text), (False, False))
    domain = headers.domain_of(from_address)
    one_click = _safe("unsubscribe", lambda: unsubscribe.one_click_url(msg), None)
    snapshot: dict[str, Any] = {
        "uid": uid,
        "folder": folder,
        "message_id": key.message_id,
        "fingerprint": key.fingerprint,
        "from_address": from_address,
        "from_name": from_name or None,
        "to_addresses": to_addresses,
        "cc_addresses": cc_addresses,
        "reply_to": _safe("reply_to", lambda: headers.address_list(msg, "Reply-To"), list[str]()),
        "subject": subject,
        "date": headers.iso(sent),
        "received_at": headers.iso(received),
        "domain": domain,
        "root_domain": _safe("root_domain", lambda: root_domain(domain), domain),
        "authentication": auth,
        "is_noreply": _is_noreply(from_address),
        "is_auto_submitted": _safe("auto_submitted", lambda: _is_auto_submitted(msg), False),
        "is_reply": is_reply,
        "is_forward": is_forward,
        "is_read": SEEN in flag_set,
        "is_starred": FLAGGED in flag_set,
        "is_answered": ANSWERED in flag_set,
        "has_attachments": _safe("attachments", lambda: body.has_attachments(msg), False),
        "is_calendar_event": event is not None,
        "calendar": event,
        "is_unsubscribable": one_click is not None,
        "unsubscribe_url": one_click,
        "list_id": _safe("list_id", lambda: unsubscribe.list_id(msg), None),
        "in_reply_to": _safe("in_reply_to", lambda: _first_id(headers.first(msg, "In-Reply-To")), None),
        "references": _safe(
            "references",
            lambda: headers.message_ids(" ".join(headers.all_raw(msg, "References"))),
            list[str](),
        ),
        "size": size if size is not None else len(raw),
    }
    low_trust = not all(auth.values())
    llm_input = _safe("llm_input", lambda: build_llm_input(snapshot, text), "")
    return ParsedMessage(snapshot=snapshot, llm_input=llm_input, low_trust=low_trust, key=key)
