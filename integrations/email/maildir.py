"""The :class:`~integrations.email.store.MailStore` over a local Maildir (Python's ``mailbox``).

A Maildir has no UIDs, so a message's Maildir key stands in for one and its file time (the
delivery time, which Maildir tools preserve) orders arrivals: the checkpoint is the latest
``(arrival, key)`` seen. A message moved back into the INBOX gets the current time, so — like an
IMAP message that gets a new UID — it counts as newly arrived. Folders are Maildir++
(``.Archive``, ``.Junk``, …); without a ``folders`` override the conventional names are used.
"""

from __future__ import annotations

import mailbox
import os
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from integrations.base import IntegrationError
from integrations.email import headers
from integrations.email.config import MailSettings
from integrations.email.keys import RAW_BODY_PREFIX_BYTES, KeyMaterial, key_material_of, split_message
from integrations.email.parsing import PARSE_LIMIT_BYTES
from integrations.email.store import INBOX, Identity, RawMessage, Uid, checked_folder_name, role_folder

FLAG_LETTERS = {"S": r"\Seen", "F": r"\Flagged", "R": r"\Answered", "D": r"\Draft", "T": r"\Deleted"}
LETTERS = {name: letter for letter, name in FLAG_LETTERS.items()}
CONVENTIONAL = {
    "archive": ("Archive", "Archives"),
    "junk": ("Junk", "Spam"),
    "trash": ("Trash", "Deleted Messages"),
    "drafts": ("Drafts",),
    "sent": ("Sent", "Sent Messages"),
}
HEADER_READ_LIMIT = 1024 * 1024


def _flags(info: str) -> frozenset[str]:
    letters = info[2:] if info.startswith("2,") else ""
    return frozenset(FLAG_LETTERS[ch] for ch in letters if ch in FLAG_LETTERS)


class MaildirStore:
    kind = "maildir"

    def __init__(self, settings: MailSettings):
        self.settings = settings
        path = settings.maildir_path
        if path is None or not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise IntegrationError(f"maildir_path {path} is not a Maildir (no cur/ and new/)", permanent=True)
        self.path = Path(path)
        (self.path / "tmp").mkdir(exist_ok=True)  # new messages are written there first
        self.root = mailbox.Maildir(str(path), factory=None, create=False)
        self.alive = True

    def close(self) -> None:
        self.alive = False

    # --- folders ----------------------------------------------------------------------------
    def _box(self, folder: str) -> mailbox.Maildir:
        if folder == INBOX:
            return self.root
        try:
            return self.root.get_folder(folder)
        except mailbox.NoSuchMailboxError:
            raise IntegrationError(
                f"folder {folder!r} does not exist in {self.path}", permanent=True
            ) from None

    def _dir(self, folder: str) -> Path:
        return self.path if folder == INBOX else self.path / f".{folder}"

    def _listing(self, folder: str = INBOX) -> dict[str, tuple[float, frozenset[str], Path]]:
        """key → (arrival time, flags, path), read from file names: no message is opened."""
        found = {}
        for sub in ("new", "cur"):
            try:
                entries = list(os.scandir(self._dir(folder) / sub))
            except FileNotFoundError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                key, _, info = entry.name.partition(self.root.colon)
                try:
                    found[key] = (entry.stat().st_mtime, _flags(info), Path(entry.path))
                except FileNotFoundError:  # moved by another client meanwhile
                    continue
        return found

    def folder_for(self, role: str) -> str:
        names = self.root.list_folders()
        candidates: list[tuple[str, frozenset[str]]] = [(name, frozenset()) for name in names]
        conventional = [
            (name, frozenset({f"\\{r}" for r, options in CONVENTIONAL.items() if name in options}))
            for name in names
        ]
        if self.settings.folders.get(role):
            return role_folder(self.settings, role, candidates)
        return role_folder(self.settings, role, conventional)

    def ensure_folder(self, name: str) -> bool:
        if name == INBOX or name in self.root.list_folders():
            return False
        if "/" in checked_folder_name(name):  # Maildir++ nests with '.', and '/' would leave the Maildir
            raise IntegrationError(
                f"folder {name!r}: a Maildir folder name cannot contain '/'", permanent=True
            )
        self.root.add_folder(name)
        return True

    # --- discovery --------------------------------------------------------------------------
    def inbox_validity(self) -> str:
        return "maildir"

    def position(self, fields: Mapping[str, Any]) -> Any:
        arrival, uid = fields.get("arrival"), fields.get("uid")
        return (float(arrival), str(uid)) if isinstance(arrival, int | float) and uid else None

    def _ordered(self) -> list[tuple[tuple[float, str], str]]:
        return sorted(((mtime, key), key) for key, (mtime, _, _) in self._listing().items())

    def newer_than(self, checkpoint: Any, limit: int) -> list[Uid]:
        found: list[Uid] = [key for position, key in self._ordered() if position > checkpoint]
        return found[:limit]

    def newest(self, limit: int, since: datetime | None) -> list[Uid]:
        floor = since.timestamp() if since else float("-inf")
        found: list[Uid] = [key for (mtime, _), key in self._ordered() if mtime >= floor]
        return found[-limit:]

    def all_uids(self) -> list[Uid]:
        return [key for _, key in self._ordered()]

    def present_flags(self, uids: list[Uid]) -> dict[Uid, frozenset[str]]:
        listing = self._listing()
        return {uid: listing[uid][1] for uid in uids if isinstance(uid, str) and uid in listing}

    def _read(self, path: Path, limit: int) -> tuple[bytes, int]:
        with path.open("rb") as handle:
            data = handle.read(limit)
            size = os.fstat(handle.fileno()).st_size
        return data, size

    def _read_each(
        self, uids: list[Uid], limit: int
    ) -> Iterator[tuple[str, float, frozenset[str], bytes, int]]:
        """``(uid, arrival, flags, first *limit* bytes, size)`` of each of *uids* still in the inbox;
        a message moved or deleted meanwhile is left out."""
        listing = self._listing()
        for uid in uids:
            if not isinstance(uid, str) or uid not in listing:
                continue
            mtime, flags, path = listing[uid]
            try:
                data, size = self._read(path, limit)
            except FileNotFoundError:
                continue
            yield uid, mtime, flags, data, size

    def identify(self, uids: list[Uid]) -> dict[Uid, Identity]:
        found: dict[Uid, Identity] = {}
        for uid, mtime, flags, data, _ in self._read_each(uids, HEADER_READ_LIMIT):
            header, body = split_message(data)
            found[uid] = Identity(
                uid=uid,
                key=key_material_of(header + body[:RAW_BODY_PREFIX_BYTES]),
                flags=flags,
                extra={"arrival": mtime},
            )
        return found

    # --- collection -------------------------------------------------------------------------
    def fetch(self, uids: list[Uid]) -> dict[Uid, RawMessage]:
        found: dict[Uid, RawMessage] = {}
        for uid, mtime, flags, raw, size in self._read_each(uids, PARSE_LIMIT_BYTES):
            found[uid] = RawMessage(
                uid=uid, raw=raw, size=size, flags=flags, internal_date=datetime.fromtimestamp(mtime, UTC)
            )
        return found

    # --- actions ----------------------------------------------------------------------------
    def _path(self, folder: str, uid: Uid) -> Path:
        entry = self._listing(folder).get(str(uid))
        if entry is None:
            raise IntegrationError(f"message {uid} is no longer in {folder}", permanent=True)
        return entry[2]

    def locate(self, folder: str, message_id: str) -> Uid | None:
        for key in self.search_header(folder, "Message-ID", message_id):
            return key
        return None

    def identity_at(self, folder: str, uid: Uid) -> KeyMaterial | None:
        entry = self._listing(folder).get(str(uid))
        if entry is None:
            return None
        data, _ = self._read(entry[2], HEADER_READ_LIMIT)
        header, body = split_message(data)
        return key_material_of(header + body[:RAW_BODY_PREFIX_BYTES])

    def move(self, folder: str, uid: Uid, destination: str) -> Uid | None:
        """A rename into the destination's ``cur/``: atomic, and the message's bytes untouched."""
        path = self._path(folder, uid)
        self._box(destination)  # the folder must exist
        key, _, info = path.name.partition(self.root.colon)
        target = self._dir(destination) / "cur" / f"{key}{self.root.colon}{info or '2,'}"
        try:
            os.rename(path, target)
        except FileNotFoundError:
            raise IntegrationError(f"message {uid} is no longer in {folder}", permanent=True) from None
        if destination == INBOX:
            now = time.time()
            os.utime(target, (now, now))  # arrives anew, above the discovery checkpoint
        return key

    def flags(self, folder: str, uid: Uid) -> frozenset[str]:
        self._path(folder, uid)
        return self._listing(folder)[str(uid)][1]

    def set_flag(self, folder: str, uid: Uid, flag: str, on: bool) -> None:
        """Flags live in the file name: a rename, never a rewrite (Python's ``mailbox`` would
        re-serialise the message, changing its bytes and failing on raw 8-bit headers)."""
        path = self._path(folder, uid)
        key, _, info = path.name.partition(self.root.colon)
        letters = set(info[2:]) if info.startswith("2,") else set()
        (letters.add if on else letters.discard)(LETTERS[flag])
        target = self._dir(folder) / "cur" / f"{key}{self.root.colon}2,{''.join(sorted(letters))}"
        try:
            os.rename(path, target)  # keeps the file's time, so its arrival order
        except FileNotFoundError:
            raise IntegrationError(f"message {uid} is no longer in {folder}", permanent=True) from None

    def append(self, folder: str, raw: bytes, flags: frozenset[str]) -> Uid | None:
        message = mailbox.MaildirMessage(raw)
        message.set_subdir("cur")
        message.set_flags("".join(sorted(LETTERS[f] for f in flags if f in LETTERS)))
        message.set_date(time.time())
        return self._box(folder).add(message)

    def delete(self, folder: str, uid: Uid) -> None:
        try:
            self._box(folder).remove(str(uid))
        except KeyError:
            raise IntegrationError(f"message {uid} is no longer in {folder}", permanent=True) from None

    def search_header(self, folder: str, name: str, value: str) -> list[Uid]:
        wanted = value.lower()
        found: list[Uid] = []
        listing = sorted(self._listing(folder).items(), key=lambda item: item[1][0])
        for key, (_, _, path) in listing:
            try:
                data, _ = self._read(path, HEADER_READ_LIMIT)
            except FileNotFoundError:
                continue
            msg = BytesHeaderParser(policy=headers.PARSE_POLICY).parsebytes(split_message(data)[0])
            if any(wanted in v.lower() for v in headers.all_raw(msg, name)):
                found.append(key)
        return found
