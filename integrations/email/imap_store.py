"""The :class:`~integrations.email.store.MailStore` over one IMAP session.

Discovery and collection only EXAMINE folders (read-only: the server cannot set ``\\Seen``) and
fetch with ``BODY.PEEK``. Requests are batched: one FETCH for a batch's flags, one for its
headers, one for its bodies — never one per message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from integrations.base import IntegrationError
from integrations.email.config import MailSettings
from integrations.email.imap import ImapSession
from integrations.email.imap_fetch import Fetched, compress_uids
from integrations.email.keys import RAW_BODY_PREFIX_BYTES, KeyMaterial, key_material
from integrations.email.store import INBOX, Identity, RawMessage, Uid, checked_folder_name, role_folder

# Messages above this size are collected from their header and first megabyte only.
LARGE_MESSAGE_BYTES = 8 * 1024 * 1024
LARGE_BODY_PREFIX_BYTES = 1024 * 1024
UIDS_PER_COMMAND = 1000  # keeps command lines far below servers' line-length limits


def _chunks(uids: list[int]) -> Iterator[str]:
    for start in range(0, len(uids), UIDS_PER_COMMAND):
        yield compress_uids(uids[start : start + UIDS_PER_COMMAND])


def imap_string(value: str) -> str | None:
    """An IMAP quoted string, or ``None`` if *value* cannot be sent as one (non-ASCII, CR/LF)."""
    if not value.isascii() or "\r" in value or "\n" in value:
        return None
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapStore:
    kind = "imap"

    def __init__(self, session: ImapSession):
        self.session = session
        self.settings: MailSettings = session.cfg

    @classmethod
    def connect(cls, settings: MailSettings) -> ImapStore:
        return cls(ImapSession(settings).open())

    def close(self) -> None:
        self.session.close()

    @property
    def alive(self) -> bool:
        return self.session.conn is not None

    def reuse(self) -> bool:
        """Ready this session for another task (a NOOP; the next SELECT and LIST read afresh), or
        False when it no longer answers."""
        return self.session.refresh()

    # --- discovery --------------------------------------------------------------------------
    def inbox_validity(self) -> str:
        return str(self.session.select(INBOX, readonly=True).uidvalidity)

    def position(self, fields: Mapping[str, Any]) -> Any:
        uid = fields.get("uid")
        return uid if isinstance(uid, int) else None

    def newer_than(self, checkpoint: Any, limit: int) -> list[Uid]:
        state = self.session.select(INBOX, readonly=True)
        if state.uidnext is not None and state.uidnext <= checkpoint + 1:
            return []  # nothing arrived: no SEARCH needed
        # "n:*" always includes the highest UID, even one below n: filter.
        found = [uid for uid in self.session.search(f"UID {checkpoint + 1}:*") if uid > checkpoint]
        return list(found[:limit])

    def newest(self, limit: int, since: datetime | None) -> list[Uid]:
        self.session.select(INBOX, readonly=True)
        criteria = f"SINCE {since:%d-%b-%Y}" if since else "ALL"
        return list(self.session.search(criteria)[-limit:])

    def all_uids(self) -> list[Uid]:
        self.session.select(INBOX, readonly=True)
        return list(self.session.search("ALL"))

    def present_flags(self, uids: list[Uid]) -> dict[Uid, frozenset[str]]:
        wanted = sorted(uid for uid in uids if isinstance(uid, int))
        if not wanted:
            return {}
        self.session.select(INBOX, readonly=True)
        found: dict[Uid, frozenset[str]] = {}
        for uid_set in _chunks(wanted):
            for message in self.session.fetch(uid_set, "(UID FLAGS)"):
                found[message.uid] = message.flags
        return {uid: found[uid] for uid in wanted if uid in found}

    def identify(self, uids: list[Uid]) -> dict[Uid, Identity]:
        wanted = sorted(uid for uid in uids if isinstance(uid, int))
        if not wanted:
            return {}
        self.session.select(INBOX, readonly=True)
        heads: dict[int, Fetched] = {}
        for uid_set in _chunks(wanted):
            for message in self.session.fetch(uid_set, "(UID FLAGS BODY.PEEK[HEADER])"):
                heads[message.uid] = message
        identities: dict[Uid, Identity] = {}
        without_id: list[int] = []
        for uid, message in heads.items():
            key = key_material(message.section("BODY[HEADER]") or b"", b"")
            if key.message_id is None:
                without_id.append(uid)
            identities[uid] = Identity(uid=uid, key=key, flags=message.flags)
        # Only messages without a Message-ID need their first body bytes (for the fingerprint).
        for uid_set in _chunks(sorted(without_id)):
            for message in self.session.fetch(uid_set, f"(UID BODY.PEEK[TEXT]<0.{RAW_BODY_PREFIX_BYTES}>)"):
                head = heads.get(message.uid)
                if head is None:
                    continue
                key = key_material(head.section("BODY[HEADER]") or b"", message.section("BODY[TEXT]") or b"")
                identities[message.uid] = Identity(uid=message.uid, key=key, flags=head.flags)
        return identities

    # --- collection -------------------------------------------------------------------------
    def fetch(self, uids: list[Uid]) -> dict[Uid, RawMessage]:
        wanted = sorted(uid for uid in uids if isinstance(uid, int))
        if not wanted:
            return {}
        self.session.select(INBOX, readonly=True)
        meta = {
            m.uid: m
            for s in _chunks(wanted)
            for m in self.session.fetch(s, "(UID FLAGS RFC822.SIZE INTERNALDATE)")
        }
        small = [uid for uid, m in meta.items() if (m.size or 0) <= LARGE_MESSAGE_BYTES]
        large = [uid for uid, m in meta.items() if (m.size or 0) > LARGE_MESSAGE_BYTES]
        found: dict[Uid, RawMessage] = {}
        for uid_set in _chunks(sorted(small)):
            for message in self.session.fetch(uid_set, "(UID BODY.PEEK[])"):
                self._add(found, meta, message.uid, message.section("BODY[]"))
        for uid_set in _chunks(sorted(large)):
            items = f"(UID BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{LARGE_BODY_PREFIX_BYTES}>)"
            for message in self.session.fetch(uid_set, items):
                raw = (message.section("BODY[HEADER]") or b"") + (message.section("BODY[TEXT]") or b"")
                self._add(found, meta, message.uid, raw)
        return found

    @staticmethod
    def _add(found: dict[Uid, RawMessage], meta: dict[Any, Any], uid: int | None, raw: bytes | None) -> None:
        info = meta.get(uid)
        if uid is None or raw is None or info is None:
            return  # expunged between the two FETCHes
        found[uid] = RawMessage(
            uid=uid, raw=raw, size=info.size or len(raw), flags=info.flags, internal_date=info.internal_date
        )

    # --- actions ----------------------------------------------------------------------------
    def locate(self, folder: str, message_id: str) -> Uid | None:
        quoted = imap_string(message_id)
        if quoted is None:
            return None
        self.session.select(folder, readonly=True)
        found = self.session.search(f"HEADER Message-ID {quoted}")
        return found[-1] if found else None

    def identity_at(self, folder: str, uid: Uid) -> KeyMaterial | None:
        if not isinstance(uid, int):
            return None
        self.session.select(folder, readonly=True)
        items = f"(UID BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{RAW_BODY_PREFIX_BYTES}>)"
        for message in self.session.fetch(str(uid), items):
            if message.uid == uid:
                return key_material(
                    message.section("BODY[HEADER]") or b"", message.section("BODY[TEXT]") or b""
                )
        return None

    def _folder_names(self) -> list[tuple[str, frozenset[str]]]:
        return [(f.name, f.attributes) for f in self.session.folders() if "\\noselect" not in f.attributes]

    def folder_for(self, role: str) -> str:
        return role_folder(self.settings, role, self._folder_names())

    def ensure_folder(self, name: str) -> bool:
        if any(existing == name for existing, _ in self._folder_names()):
            return False
        self.session.create(checked_folder_name(name))
        return True

    def move(self, folder: str, uid: Uid, destination: str) -> Uid | None:
        self.session.select(folder, readonly=False)
        return self.session.move(int(uid), destination)

    def flags(self, folder: str, uid: Uid) -> frozenset[str]:
        self.session.select(folder, readonly=True)
        for message in self.session.fetch(str(uid), "(UID FLAGS)"):
            if message.uid == uid:
                return message.flags
        raise IntegrationError(f"message {uid} is no longer in {folder}", permanent=True)

    def set_flag(self, folder: str, uid: Uid, flag: str, on: bool) -> None:
        self.session.select(folder, readonly=False)
        self.session.store(int(uid), "+FLAGS.SILENT" if on else "-FLAGS.SILENT", f"({flag})")

    def append(self, folder: str, raw: bytes, flags: frozenset[str]) -> Uid | None:
        return self.session.append(folder, "(" + " ".join(sorted(flags)) + ")", raw)

    def delete(self, folder: str, uid: Uid) -> None:
        self.session.select(folder, readonly=False)
        self.session.store(int(uid), "+FLAGS.SILENT", r"(\Deleted)")
        self.session.expunge(int(uid))

    def search_header(self, folder: str, name: str, value: str) -> list[Uid]:
        quoted = imap_string(value)
        if quoted is None or not name.replace("-", "").isalnum():
            return []
        self.session.select(folder, readonly=True)
        return list(self.session.search(f"HEADER {name} {quoted}"))
