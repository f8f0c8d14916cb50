"""The email integration's settings and platform options: schemas and a typed view.

Settings are validated against :data:`SETTINGS_SCHEMA` when saved; :func:`mail_settings` turns the
stored mapping (plus the decrypted ``password``) into :class:`MailSettings` and rejects the
combinations a schema cannot express (plain IMAP to a non-loopback host, a missing server).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings

from integrations.base import IntegrationError, PlatformContext
from orchestrator.durations import parse_duration
from orchestrator.environment import is_loopback_host

FOLDER_ROLES = ("archive", "junk", "trash", "drafts", "sent")
DEFAULT_LIMIT = 50
MAX_LIMIT = 5000

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "source": {"enum": ["imap", "maildir"], "description": "imap (default) or a local maildir"},
        "imap_server": {"type": "string", "minLength": 1},
        "imap_port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "security": {
            "enum": ["ssl", "starttls", "plain"],
            "description": "ssl (default) or starttls verify the certificate; plain only to a loopback host",
        },
        "tls_ca_file": {
            "type": "string",
            "minLength": 1,
            "description": "CA file trusting a self-signed server",
        },
        "username": {"type": "string"},
        "folders": {
            "type": "object",
            "additionalProperties": False,
            "properties": {role: {"type": "string", "minLength": 1} for role in FOLDER_ROLES},
            "description": "Overrides of the special-use folder lookup",
        },
        "trusted_authserv_id": {
            "type": "string",
            "minLength": 1,
            "description": "The authserv-id of your receiving server's Authentication-Results headers",
        },
        "maildir_path": {
            "type": "string",
            "minLength": 1,
            "description": "For source: maildir; a relative path is inside STEWARD_DATA_DIR",
        },
    },
    # A Maildir needs its path, an IMAP server its address: caught when the settings are saved.
    "if": {"properties": {"source": {"const": "maildir"}}, "required": ["source"]},
    "then": {"required": ["maildir_path"]},
    "else": {"required": ["imap_server"]},
}

OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        "window": {"type": "string", "pattern": r"^\s*\d+\s*[smhdwSMHDW]\s*$"},
    },
}


@dataclass(frozen=True)
class MailSettings:
    """One email integration's connection settings, checked and with defaults filled in."""

    source: str = "imap"
    imap_server: str = ""
    imap_port: int = 993
    security: str = "ssl"
    tls_ca_file: str | None = None
    username: str = ""
    password: str = field(default="", repr=False)
    folders: Mapping[str, str] = field(default_factory=dict)
    trusted_authserv_id: str | None = None
    maildir_path: Path | None = None

    @property
    def own_address(self) -> str | None:
        """The account's address when the username is one (used as a draft's From)."""
        return self.username.lower() if "@" in self.username else None


def _maildir_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else Path(django_settings.DATA_DIR) / path


def mail_settings(stored: Mapping[str, Any], secrets: Mapping[str, str]) -> MailSettings:
    """The typed settings; a combination that cannot work is a permanent :class:`IntegrationError`."""
    source = stored.get("source", "imap")
    if source == "maildir":
        if not stored.get("maildir_path"):
            raise IntegrationError("source is maildir but maildir_path is not set", permanent=True)
        return MailSettings(
            source="maildir",
            folders=dict(stored.get("folders") or {}),
            trusted_authserv_id=stored.get("trusted_authserv_id") or None,
            maildir_path=_maildir_path(stored["maildir_path"]),
            username=stored.get("username", ""),
        )
    server = stored.get("imap_server", "")
    if not server:
        raise IntegrationError("imap_server is not set", permanent=True)
    security = stored.get("security", "ssl")
    if security == "plain" and not is_loopback_host(server):
        raise IntegrationError(
            f"security: plain sends the password unencrypted and is only allowed to a loopback host, "
            f"not {server!r}: use ssl or starttls",
            permanent=True,
        )
    default_port = 993 if security == "ssl" else 143
    return MailSettings(
        source="imap",
        imap_server=server,
        imap_port=int(stored.get("imap_port") or default_port),
        security=security,
        tls_ca_file=stored.get("tls_ca_file") or None,
        username=stored.get("username", ""),
        password=secrets.get("password", ""),
        folders=dict(stored.get("folders") or {}),
        trusted_authserv_id=stored.get("trusted_authserv_id") or None,
    )


def context_settings(ctx: PlatformContext) -> MailSettings:
    return mail_settings(ctx.settings, ctx.secrets)


def option_limit(options: Mapping[str, Any]) -> int:
    return int(options.get("limit") or DEFAULT_LIMIT)


def window_start(options: Mapping[str, Any], now: datetime | None = None) -> datetime | None:
    """The oldest arrival time the first run looks at, or ``None`` without a ``window`` option."""
    window = options.get("window")
    if not window:
        return None
    try:
        span = parse_duration(window)
    except ValueError as exc:
        raise IntegrationError(f"window: {exc}", permanent=True) from None
    return (now or datetime.now(UTC)) - span
