"""The mail store seam: what discovery, collection and actions need from IMAP or a Maildir.

Both sources implement :class:`MailStore` with the same meaning, so the email platform behaves
the same whichever one a person configures. UIDs are IMAP UIDs (``int``) or Maildir keys
(``str``); flags are always IMAP flag names (``\\Seen``, ``\\Flagged``, …).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from integrations.base import IntegrationError
from integrations.email.config import MailSettings
from integrations.email.keys import KeyMaterial

Uid = int | str
INBOX = "INBOX"
ROLE_ATTRIBUTES = {
    "archive": ("\\archive", "\\all"),  # \All: Gmail's "All Mail", where archived mail lives
    "junk": ("\\junk",),
    "trash": ("\\trash",),
    "drafts": ("\\drafts",),
    "sent": ("\\sent",),
}


@dataclass(frozen=True)
class Identity:
    """A message as discovery sees it: key material, flags and store-specific checkpoint fields."""

    uid: Uid
    key: KeyMaterial
    flags: frozenset[str]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RawMessage:
    uid: Uid
    raw: bytes
    size: int
    flags: frozenset[str]
    internal_date: datetime | None = None


class MailStore(Protocol):
    """One open connection to a mailbox (IMAP session or Maildir directory)."""

    kind: str
    settings: MailSettings

    def inbox_validity(self) -> str:
        """INBOX's UIDVALIDITY (``"maildir"`` for a Maildir): UIDs are only comparable within one."""

    def position(self, fields: Mapping[str, Any]) -> Any:
        """The checkpoint position of a known item's stored fields (comparable with :meth:`newer_than`)."""

    def newer_than(self, checkpoint: Any, limit: int) -> list[Uid]:
        """Up to *limit* INBOX UIDs that arrived after *checkpoint*, oldest first."""

    def newest(self, limit: int, since: datetime | None) -> list[Uid]:
        """The newest *limit* INBOX UIDs (arrived at or after *since*), oldest first."""

    def all_uids(self) -> list[Uid]:
        """Every INBOX UID, oldest first (a resync after UIDVALIDITY changed)."""

    def present_flags(self, uids: list[Uid]) -> dict[Uid, frozenset[str]]:
        """Flags of those *uids* still in INBOX (absent ones are left out): one batched request."""

    def identify(self, uids: list[Uid]) -> dict[Uid, Identity]:
        """Key material and flags of INBOX messages, from their headers and first body bytes."""

    def fetch(self, uids: list[Uid]) -> dict[Uid, RawMessage]:
        """Whole INBOX messages (the start of very large ones), without setting ``\\Seen``."""

    def locate(self, folder: str, message_id: str) -> Uid | None:
        """The UID of the message with *message_id* in *folder*, if any."""

    def identity_at(self, folder: str, uid: Uid) -> KeyMaterial | None:
        """Key material of the message at *uid* in *folder*, ``None`` if it is not there."""

    def folder_for(self, role: str) -> str:
        """The folder for ``archive``/``junk``/``trash``/``drafts``/``sent``, or a clear error."""

    def ensure_folder(self, name: str) -> bool:
        """Create *name* if missing; True if it was created."""

    def move(self, folder: str, uid: Uid, destination: str) -> Uid | None:
        """Move one message; its UID in *destination* when known."""

    def flags(self, folder: str, uid: Uid) -> frozenset[str]: ...

    def set_flag(self, folder: str, uid: Uid, flag: str, on: bool) -> None: ...

    def append(self, folder: str, raw: bytes, flags: frozenset[str]) -> Uid | None: ...

    def delete(self, folder: str, uid: Uid) -> None: ...

    def search_header(self, folder: str, name: str, value: str) -> list[Uid]:
        """UIDs in *folder* whose header *name* contains *value*."""

    def close(self) -> None: ...


def checked_folder_name(name: str) -> str:
    """*name* if it is safe as a folder name; a permanent error otherwise.

    ``move_to`` arguments may be templates over a message's own text, so a name must not be able
    to smuggle IMAP syntax (line breaks, control characters) or leave a Maildir (``..``, ``/``).
    """
    problem = None
    if not name or len(name) > 200:
        problem = "it must have 1 to 200 characters"
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        problem = "it contains control characters"
    elif name.startswith(".") or ".." in name or "\\" in name or "*" in name or "%" in name:
        problem = "it may not start with '.' or contain '..', '\\', '*' or '%'"
    if problem:
        raise IntegrationError(f"not a usable folder name {name[:60]!r}: {problem}", permanent=True)
    return name


def role_folder(settings: MailSettings, role: str, candidates: list[tuple[str, frozenset[str]]]) -> str:
    """Pick a role's folder: the ``folders`` override, else the special-use attribute."""
    override = settings.folders.get(role)
    names = {name for name, _ in candidates}
    if override:
        if override not in names:
            raise IntegrationError(
                f"folders.{role} is {override!r}, but no such folder exists", permanent=True
            )
        return override
    for attribute in ROLE_ATTRIBUTES[role]:
        for name, attributes in candidates:
            if attribute in attributes:
                return name
    wanted = " or ".join(a.title() for a in ROLE_ATTRIBUTES[role])
    raise IntegrationError(
        f"no {role} folder: none is marked {wanted}; set folders.{role} in the integration's settings",
        permanent=True,
    )


@contextmanager
def local_errors() -> Iterator[None]:
    """File errors of a Maildir leave as IntegrationError (permissions: permanent; others: retried)."""
    try:
        yield
    except OSError as exc:
        raise IntegrationError(
            f"mail store: {type(exc).__name__}: {exc}", permanent=isinstance(exc, PermissionError)
        ) from exc


def open_store(settings: MailSettings) -> MailStore:
    if settings.source == "maildir":
        from integrations.email.maildir import MaildirStore

        with local_errors():
            return MaildirStore(settings)
    from integrations.email.imap_store import ImapStore

    return ImapStore.connect(settings)
