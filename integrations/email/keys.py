"""An email's external key: its Message-ID, or a fingerprint when it has none.

The fingerprint is a sha256 of (Date, From, Subject, the first 4 KB of the body). It is computed
from the raw header block and the bytes after it — the same bytes whether they come from a
partial IMAP fetch at check time or from the whole message at collect time, with line endings
normalised because IMAP serves CRLF where a Maildir may hold LF. A second message with the same
key in the mailbox gets ``#2``, ``#3``, ….
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser

from integrations.email import headers
from orchestrator.pipeline.storable import is_storable

BODY_PREFIX_BYTES = 4096
# CRLF halves on normalisation, so this many raw bytes always cover 4 KB of normalised body.
RAW_BODY_PREFIX_BYTES = 2 * BODY_PREFIX_BYTES
FINGERPRINT_PREFIX = "sha256:"
_SUFFIX = re.compile(r"#\d+$")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
MAX_MESSAGE_ID = 480  # the key column holds 500


@dataclass(frozen=True)
class KeyMaterial:
    """What identifies one message: its Message-ID (if any) and its content fingerprint."""

    message_id: str | None
    fingerprint: str

    @property
    def base_key(self) -> str:
        return self.message_id or self.fingerprint


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """Header block and body, split at the first empty line (as IMAP's HEADER/TEXT are)."""
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.end()], raw[match.end() :]


def key_material(header_block: bytes, body_prefix: bytes) -> KeyMaterial:
    msg = BytesHeaderParser(policy=headers.PARSE_POLICY).parsebytes(header_block)
    digest = hashlib.sha256()
    for name in ("Date", "From", "Subject"):
        value = headers.all_raw(msg, name)
        digest.update((value[0] if value else "").encode("utf-8", "surrogateescape") + b"\0")
    digest.update(body_prefix.replace(b"\r\n", b"\n")[:BODY_PREFIX_BYTES])
    message_id = headers.normalise_message_id(next(iter(headers.all_raw(msg, "Message-ID")), None))
    if message_id is not None and not _storable_key(message_id):
        message_id = None  # the fingerprint identifies it instead, at check and at collect alike
    return KeyMaterial(message_id=message_id, fingerprint=FINGERPRINT_PREFIX + digest.hexdigest())


def _storable_key(message_id: str) -> bool:
    """A Message-ID every database can store as a key: no NUL (PostgreSQL refuses it in text), no
    undecodable bytes (lone surrogates), and short enough for the key column with a ``#n`` suffix."""
    return len(message_id) <= MAX_MESSAGE_ID and is_storable(message_id)


def key_material_of(raw: bytes) -> KeyMaterial:
    header_block, body = split_message(raw)
    return key_material(header_block, body[:RAW_BODY_PREFIX_BYTES])


def base_of(key: str) -> str:
    """The key without its duplicate suffix."""
    return _SUFFIX.sub("", key)


def numbered(base: str, n: int) -> str:
    return base if n == 1 else f"{base}#{n}"
