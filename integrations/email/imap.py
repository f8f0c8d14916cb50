"""IMAP sessions: verified TLS, login, capabilities, and the few commands Steward needs.

Python's imaplib does not verify certificates unless it is given a proper SSL context; every
TLS connection here uses ``ssl.create_default_context()`` (hostname and chain checked), loading
only ``tls_ca_file`` when one is configured for a self-signed server. ``security: plain`` is
refused unless the server is on a loopback address (checked in :mod:`.config`).

Every failure leaves as an :class:`IntegrationError`: permanent for configuration problems
(untrusted certificate, wrong password, missing folder), transient for the network.
"""

from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from integrations.base import IntegrationError
from integrations.email.config import MailSettings
from integrations.email.imap_fetch import Fetched, FolderInfo, parse_fetch, parse_list
from integrations.email.imap_utf7 import encode_mailbox

logger = logging.getLogger(__name__)

TIMEOUT_S = 30.0
# Commands sent, by name (``LOGIN``, ``UID FETCH``, …): read by the tests and the benchmark.
COMMAND_COUNTS: Counter[str] = Counter()
_TRANSIENT_CODES = ("UNAVAILABLE", "INUSE", "LIMIT", "SERVERBUG", "EXPUNGEISSUED")


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    uidnext: int | None
    exists: int


def quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string (modified UTF-7 inside)."""
    encoded = encode_mailbox(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tls_context(cfg: MailSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=cfg.tls_ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise IntegrationError(
            f"tls_ca_file {cfg.tls_ca_file!r} cannot be used: {exc}", permanent=True
        ) from None


def _where(cfg: MailSettings) -> str:
    return f"{cfg.imap_server}:{cfg.imap_port}"


def connection_error(cfg: MailSettings, exc: BaseException) -> IntegrationError:
    """The IntegrationError for a failure to reach or talk to the server."""
    where = _where(cfg)
    if isinstance(exc, IntegrationError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        hint = "set tls_ca_file to the CA that signed it" if not cfg.tls_ca_file else "check tls_ca_file"
        return IntegrationError(
            f"TLS certificate of {where} is not trusted ({exc.verify_message}): {hint}", permanent=True
        )
    if isinstance(exc, ssl.SSLError):
        return IntegrationError(
            f"TLS handshake with {where} failed ({exc.reason or exc}): is security "
            f"'{cfg.security}' right for port {cfg.imap_port}?",
            permanent=True,
        )
    if isinstance(exc, socket.gaierror):
        return IntegrationError(f"cannot resolve {cfg.imap_server}: {exc.strerror or exc}")
    if isinstance(exc, imaplib.IMAP4.abort):
        return IntegrationError(f"connection to {where} dropped: {exc}")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return IntegrationError(f"{where} did not answer within {TIMEOUT_S:.0f}s")
    if isinstance(exc, OSError):
        return IntegrationError(f"cannot reach {where}: {exc.strerror or exc}")
    if isinstance(exc, imaplib.IMAP4.error):
        text = str(exc)
        return IntegrationError(f"{where}: {text}", permanent=not any(c in text for c in _TRANSIENT_CODES))
    return IntegrationError(f"{where}: {type(exc).__name__}: {exc}")


class ImapSession:
    """One logged-in connection. Use :func:`imap_session` to get one that is always logged out."""

    def __init__(self, cfg: MailSettings, *, timeout: float = TIMEOUT_S):
        self.cfg = cfg
        self.timeout = timeout
        self.conn: imaplib.IMAP4 | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.selected: tuple[str, bool] | None = None  # (folder, readonly)
        self._state = FolderState(0, None, 0)
        self._folders: list[FolderInfo] | None = None

    # --- connection -----------------------------------------------------------------------
    def open(self) -> ImapSession:
        cfg = self.cfg
        conn: imaplib.IMAP4 | None = None
        try:
            if cfg.security == "ssl":
                conn = imaplib.IMAP4_SSL(
                    cfg.imap_server, cfg.imap_port, ssl_context=tls_context(cfg), timeout=self.timeout
                )
            else:
                conn = imaplib.IMAP4(cfg.imap_server, cfg.imap_port, timeout=self.timeout)
                if cfg.security == "starttls":
                    if "STARTTLS" not in conn.capabilities:
                        raise IntegrationError(
                            f"{_where(cfg)} does not offer STARTTLS: use security ssl", permanent=True
                        )
                    conn.starttls(ssl_context=tls_context(cfg))
            self.conn = conn
            COMMAND_COUNTS["CONNECT"] += 1
            self._login()
        except Exception as exc:
            if self.conn is None and conn is not None:
                _shutdown(conn)  # never logged in (TLS refused): just drop the socket
            self.close()
            raise connection_error(cfg, exc) from None
        return self

    def _login(self) -> None:
        assert self.conn is not None
        cfg = self.cfg
        COMMAND_COUNTS["LOGIN"] += 1
        try:
            if cfg.password.isascii() and cfg.username.isascii():
                self.conn.login(cfg.username, cfg.password)
            else:  # LOGIN is ASCII-only; SASL PLAIN carries UTF-8
                secret = f"\0{cfg.username}\0{cfg.password}".encode()
                self.conn.authenticate("PLAIN", lambda _challenge: secret)
        except imaplib.IMAP4.error as exc:
            text = str(exc)
            raise IntegrationError(
                f"login to {_where(cfg)} as {cfg.username!r} failed: {text}",
                permanent=not any(code in text for code in _TRANSIENT_CODES),
            ) from None
        # Many servers announce MOVE, UIDPLUS or SPECIAL-USE only after login.
        self.capabilities = frozenset(
            self._run("CAPABILITY", self.conn.capability)[0].decode().upper().split()
        )

    def close(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.logout()
        except Exception as exc:  # already gone: nothing to tidy up
            logger.debug("IMAP logout failed: %s", exc)
        self.conn = None
        self.selected = None

    def refresh(self) -> bool:
        """NOOP, and forget the selected folder and the folder list, so a session kept between
        tasks sees what changed meanwhile; False (closed) when the server no longer answers."""
        if self.conn is None:
            return False
        try:
            self._run("NOOP", self.conn.noop)
        except IntegrationError:
            self.close()
            return False
        self.selected = None
        self._folders = None
        return True

    # --- plumbing ---------------------------------------------------------------------------
    def _run(self, name: str, func: Any, *args: Any) -> list[Any]:
        """Run one imaplib call; a NO/BAD answer or a dropped connection becomes IntegrationError."""
        if self.conn is None:
            raise IntegrationError("IMAP session is closed")
        COMMAND_COUNTS[name] += 1
        try:
            typ, data = func(*args)
        except Exception as exc:
            if isinstance(exc, imaplib.IMAP4.abort | OSError):
                self.conn = None  # unusable now
            raise connection_error(self.cfg, exc) from None
        if typ != "OK":
            text = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise IntegrationError(
                f"{_where(self.cfg)}: {name} failed: {text}",
                permanent=not any(code in text for code in _TRANSIENT_CODES),
            )
        return list(data or [])

    def _uid(self, command: str, *args: str) -> list[Any]:
        assert self.conn is not None
        return self._run(f"UID {command}", self.conn.uid, command, *args)

    def response_code(self, name: str, tagged: list[Any]) -> str | None:
        """A ``[NAME data]`` response code from the last command, untagged or tagged."""
        assert self.conn is not None
        untagged = self.conn.untagged_responses.pop(name, None)
        if untagged and isinstance(untagged[-1], bytes):
            return untagged[-1].decode("ascii", "replace")
        for item in tagged:
            if isinstance(item, bytes) and (
                match := re.search(rb"\[" + name.encode() + rb" ([^\]]*)\]", item)
            ):
                return match.group(1).decode("ascii", "replace")
        return None

    def _drop_codes(self, *names: str) -> None:
        assert self.conn is not None
        for name in names:
            self.conn.untagged_responses.pop(name, None)

    # --- folders ----------------------------------------------------------------------------
    def folders(self) -> list[FolderInfo]:
        if self._folders is None:
            assert self.conn is not None
            pattern = '"*"'
            if "SPECIAL-USE" in self.capabilities and "LIST-EXTENDED" in self.capabilities:
                pattern = '"*" RETURN (SPECIAL-USE)'  # RFC 6154: ask for \Archive, \Junk, …
            self._folders = parse_list(self._run("LIST", self.conn.list, '""', pattern))
        return self._folders

    def select(self, folder: str, *, readonly: bool) -> FolderState:
        """SELECT (or EXAMINE when *readonly*: the server then cannot set ``\\Seen`` at all)."""
        assert self.conn is not None
        if self.selected == (folder, readonly):
            return self._state
        self._drop_codes("UIDVALIDITY", "UIDNEXT")
        data = self._run("EXAMINE" if readonly else "SELECT", self.conn.select, quote(folder), readonly)
        validity = _number(self.conn.untagged_responses.pop("UIDVALIDITY", []))
        self._state = FolderState(
            uidvalidity=validity or 0,
            uidnext=_number(self.conn.untagged_responses.pop("UIDNEXT", [])),
            exists=_number(data) or 0,
        )
        self.selected = (folder, readonly)
        return self._state

    def create(self, folder: str) -> None:
        assert self.conn is not None
        self._run("CREATE", self.conn.create, quote(folder))
        self._folders = None

    # --- messages ---------------------------------------------------------------------------
    def search(self, criteria: str) -> list[int]:
        data = self._uid("SEARCH", criteria)
        return sorted({int(token) for line in data if line for token in bytes(line).split()})

    def fetch(self, uids: str, items: str) -> list[Fetched]:
        if not uids:
            return []
        return parse_fetch(self._uid("FETCH", uids, items))

    def store(self, uid: int, change: str, flags: str) -> None:
        self._uid("STORE", str(uid), change, flags)

    def move(self, uid: int, destination: str) -> int | None:
        """Move one message; returns its UID in *destination* when the server says (UIDPLUS)."""
        self._drop_codes("COPYUID")
        if "MOVE" in self.capabilities:
            tagged = self._uid("MOVE", str(uid), quote(destination))
        else:
            tagged = self._uid("COPY", str(uid), quote(destination))
            self.store(uid, "+FLAGS.SILENT", r"(\Deleted)")
            self.expunge(uid)
        return _copied_uid(self.response_code("COPYUID", tagged))

    def expunge(self, uid: int) -> None:
        """Expunge only *uid* (UID EXPUNGE, RFC 4315): others' ``\\Deleted`` messages stay."""
        if "UIDPLUS" not in self.capabilities:
            raise IntegrationError(
                f"{_where(self.cfg)} offers neither MOVE nor UIDPLUS, so a message cannot be removed "
                "without expunging others marked deleted",
                permanent=True,
            )
        self._uid("EXPUNGE", str(uid))

    def append(self, folder: str, flags: str, message: bytes) -> int | None:
        assert self.conn is not None
        self._drop_codes("APPENDUID")
        tagged = self._run("APPEND", self.conn.append, quote(folder), flags, None, message)
        code = self.response_code("APPENDUID", tagged)
        parts = code.split() if code else []
        return int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else None


def _shutdown(conn: imaplib.IMAP4) -> None:
    try:
        conn.shutdown()
    except OSError as exc:
        logger.debug("IMAP socket shutdown failed: %s", exc)


def _number(values: list[Any]) -> int | None:
    """The last of an untagged response's values as a number (``[b'42']`` → 42)."""
    last = values[-1] if values else None
    return int(last) if isinstance(last, bytes) and last.strip().isdigit() else None


def _copied_uid(code: str | None) -> int | None:
    """The destination UID from ``COPYUID <validity> <source set> <destination set>``."""
    parts = code.split() if code else []
    return int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else None


@contextmanager
def imap_session(cfg: MailSettings, *, timeout: float = TIMEOUT_S) -> Iterator[ImapSession]:
    """A logged-in session, logged out on exit whatever happens."""
    session = ImapSession(cfg, timeout=timeout).open()
    try:
        yield session
    finally:
        session.close()
