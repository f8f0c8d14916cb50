"""Seeding and inspecting mailboxes in tests *without* the code under test: raw imaplib for
Dovecot, Python's ``mailbox`` for a Maildir. One :class:`Harness` per source, so the same tests run
against both; ``ctx()`` gives the context the code under test receives.
"""

from __future__ import annotations

import imaplib
import itertools
import mailbox
import os
import pwd
import re
import time
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, RECORDED_FIXTURES
from tests.email.dovecot import PASSWORD, Dovecot

EMAIL_FIXTURES = FIXTURES / "email"  # ours, in the repository
RECORDED_EMAIL = RECORDED_FIXTURES / "email"  # the recorded corpus, when beside the checkout
users = itertools.count(1)


def fixture_bytes(name: str, corpus: Path = EMAIL_FIXTURES) -> bytes:
    """A fixture as a clean RFC 5322 message (a leading mbox ``From `` line removed)."""
    raw = (corpus / name).read_bytes()
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1]
    return raw


def fixture_names(corpus: Path = EMAIL_FIXTURES) -> list[str]:
    return sorted(p.name for p in corpus.glob("*.eml"))


def message_id_of(raw: bytes) -> str | None:
    value = BytesHeaderParser(policy=compat32).parsebytes(raw).get("Message-ID")
    return re.sub(r"\s+", "", str(value)) if value else None


def make_message(n: int, *, subject: str | None = None, extra: str = "", body: str = "Hello.") -> bytes:
    """A small, valid message with Message-ID ``<n@test.example>``."""
    return (
        f"From: Sender {n} <sender{n}@example.org>\r\nTo: me@example.com\r\n"
        f"Subject: {subject or f'Message {n}'}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
        f"Message-ID: <{n}@test.example>\r\n{extra}\r\n{body}\r\n"
    ).encode()


def message_with_a_video(megabytes: int = 25) -> bytes:
    """``<big@example.org>``, "See attached." with a base64 video of *megabytes* attached."""
    video = b"QUFB" * (megabytes * 1024 * 1024 // 4)
    return (
        b"From: big@example.org\r\nTo: me@example.com\r\nSubject: Video\r\nMessage-ID: <big@example.org>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        b"See attached.\r\n--b\r\nContent-Type: video/mp4\r\nContent-Disposition: attachment; "
        b'filename="v.mp4"\r\nContent-Transfer-Encoding: base64\r\n\r\n' + video + b"\r\n--b--\r\n"
    )


@dataclass
class Ctx:
    """What the pipeline hands stage handlers and actions (a PlatformContext)."""

    settings: dict[str, Any]
    secrets: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)
    integration_id: str = "email.test"
    platform: str = "inbox"
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)

    def stored_fields(self, keys: Any) -> dict[str, dict[str, Any]]:
        return {key: self.stored[key] for key in keys if key in self.stored}


def write_maildir(path: Path, messages: list[bytes], start: float, owner: pwd.struct_passwd | None) -> None:
    box = mailbox.Maildir(str(path), create=True)
    for folder in ("Archive", "Junk", "Trash", "Drafts", "Sent"):
        if folder not in box.list_folders():
            box.add_folder(folder)
    for i, raw in enumerate(messages):
        when = start + i * 60
        name = f"{int(when)}.M{i:06d}P{os.getpid()}.steward-test"
        target = path / "new" / name
        target.write_bytes(raw)
        os.utime(target, (when, when))
    if owner is not None:
        for root, dirs, files in os.walk(path):
            for entry in [
                root,
                *(os.path.join(root, d) for d in dirs),
                *(os.path.join(root, f) for f in files),
            ]:
                os.chown(entry, owner.pw_uid, owner.pw_gid)


class Harness:
    """Seed and inspect one mailbox; ``ctx()`` gives a context for the code under test."""

    source = ""

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}
        self.secrets: dict[str, str] = {}

    def ctx(self, **options: Any) -> Ctx:
        return Ctx(settings=dict(self.settings), secrets=dict(self.secrets), options=options)

    def seed(self, messages: list[bytes], *, start: float | None = None) -> None:
        raise NotImplementedError

    def deliver(self, raw: bytes) -> None:
        raise NotImplementedError

    def contents(self, folder: str = "INBOX") -> dict[str, frozenset[str]]:
        """Message-ID → flags of every message in *folder*."""
        raise NotImplementedError

    def set_flag(self, message_id: str, flag: str) -> None:
        raise NotImplementedError

    def remove(self, message_id: str) -> None:
        raise NotImplementedError


class ImapHarness(Harness):
    source = "imap"

    def __init__(self, server: Dovecot, user: str):
        super().__init__()
        self.server, self.user = server, user
        self.settings = server.settings(user)
        self.secrets = {"password": PASSWORD}

    def _connection(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.server.plain_port)
        conn.login(self.user, PASSWORD)
        return conn

    def seed(self, messages: list[bytes], *, start: float | None = None) -> None:
        start = start if start is not None else time.time() - 3600 - 60 * len(messages)
        write_maildir(self.server.maildir(self.user), messages, start, pwd.getpwnam("dovecot"))

    def deliver(self, raw: bytes) -> None:
        conn = self._connection()
        try:
            conn.append("INBOX", None, None, raw)
        finally:
            conn.logout()

    def _fetch(self, conn: imaplib.IMAP4, folder: str) -> dict[str, tuple[int, frozenset[str]]]:
        conn.select(f'"{folder}"', readonly=True)
        _, data = conn.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        found = {}
        for item in data:
            if not isinstance(item, tuple):
                continue
            uid = int(re.search(rb"UID (\d+)", item[0]).group(1))  # type: ignore[union-attr]
            flags = re.search(rb"FLAGS \(([^)]*)\)", item[0])
            message_id = message_id_of(item[1]) or f"uid:{uid}"
            names = set(flags.group(1).decode().split()) if flags else set()
            found[message_id] = (uid, frozenset(names - {r"\Recent"}))  # \Recent is per session
        return found

    def contents(self, folder: str = "INBOX") -> dict[str, frozenset[str]]:
        conn = self._connection()
        try:
            return {mid: flags for mid, (_, flags) in self._fetch(conn, folder).items()}
        finally:
            conn.logout()

    def uid_of(self, message_id: str, folder: str = "INBOX") -> int:
        conn = self._connection()
        try:
            return self._fetch(conn, folder)[message_id][0]
        finally:
            conn.logout()

    def set_flag(self, message_id: str, flag: str) -> None:
        conn = self._connection()
        try:
            uid = self._fetch(conn, "INBOX")[message_id][0]
            conn.select("INBOX")
            conn.uid("STORE", str(uid), "+FLAGS", f"({flag})")
        finally:
            conn.logout()

    def remove(self, message_id: str) -> None:
        conn = self._connection()
        try:
            uid = self._fetch(conn, "INBOX")[message_id][0]
            conn.select("INBOX")
            conn.uid("STORE", str(uid), "+FLAGS", r"(\Deleted)")
            conn.expunge()
        finally:
            conn.logout()


MAILDIR_FLAGS = {"S": r"\Seen", "F": r"\Flagged", "R": r"\Answered", "D": r"\Draft", "T": r"\Deleted"}


class MaildirHarness(Harness):
    source = "maildir"

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.settings = {"source": "maildir", "maildir_path": str(path)}
        mailbox.Maildir(str(path), create=True)

    def _box(self, folder: str) -> mailbox.Maildir:
        root = mailbox.Maildir(str(self.path), create=False)
        return root if folder == "INBOX" else root.get_folder(folder)

    def seed(self, messages: list[bytes], *, start: float | None = None) -> None:
        start = start if start is not None else time.time() - 3600 - 60 * len(messages)
        write_maildir(self.path, messages, start, None)

    def deliver(self, raw: bytes) -> None:
        message = mailbox.MaildirMessage(raw)
        message.set_date(time.time() + 1)
        self._box("INBOX").add(message)

    def _find(self, message_id: str, folder: str = "INBOX") -> str:
        for key, message in self._box(folder).items():
            if re.sub(r"\s+", "", str(message.get("Message-ID", ""))) == message_id:
                return key
        raise KeyError(message_id)

    def contents(self, folder: str = "INBOX") -> dict[str, frozenset[str]]:
        found = {}
        for key, message in self._box(folder).items():
            message_id = re.sub(r"\s+", "", str(message.get("Message-ID", ""))) or f"key:{key}"
            found[message_id] = frozenset(
                MAILDIR_FLAGS[ch] for ch in message.get_flags() if ch in MAILDIR_FLAGS
            )
        return found

    def set_flag(self, message_id: str, flag: str) -> None:
        box = self._box("INBOX")
        key = self._find(message_id)
        message = box.get_message(key)
        message.add_flag({v: k for k, v in MAILDIR_FLAGS.items()}[flag])
        box[key] = message

    def remove(self, message_id: str) -> None:
        self._box("INBOX").remove(self._find(message_id))
