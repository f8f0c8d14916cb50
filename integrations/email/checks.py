"""``doctor`` checks for an email integration: TLS, login, folders, trusted authserv-id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.base import CheckResult, IntegrationContext, IntegrationError
from integrations.email.config import FOLDER_ROLES, MailSettings, mail_settings
from integrations.email.imap import ImapSession
from integrations.email.imap_store import ImapStore
from integrations.email.maildir import MaildirStore
from integrations.email.store import MailStore

TIMEOUT_S = 5.0  # doctor must stay quick even when a server does not answer


def _folders(label: str, store: MailStore) -> CheckResult:
    found, missing = [], []
    for role in FOLDER_ROLES:
        try:
            found.append(f"{role}={store.folder_for(role)}")
        except IntegrationError:
            missing.append(role)
    if not missing:
        return CheckResult(f"{label}:folders", True, ", ".join(found))
    return CheckResult(
        f"{label}:folders",
        False,
        f"no folder for {', '.join(missing)} (actions needing them will fail; set folders.<role>)"
        + (f"; found {', '.join(found)}" if found else ""),
        warning=True,
    )


def _imap(label: str, cfg: MailSettings) -> list[CheckResult]:
    session = ImapSession(cfg, timeout=TIMEOUT_S)
    tls_name = f"{label}:tls"
    try:
        session.open()
    except IntegrationError as exc:
        message = str(exc)
        if "TLS" in message or "STARTTLS" in message:
            return [
                CheckResult(tls_name, False, message),
                CheckResult(f"{label}:login", False, "not attempted"),
            ]
        results = [] if "login" in message else [CheckResult(f"{label}:connect", False, message)]
        if "login" in message:
            results.append(_tls_passed(tls_name, cfg))
            results.append(CheckResult(f"{label}:login", False, message))
        return results
    try:
        extras = sorted(session.capabilities & {"MOVE", "UIDPLUS", "SPECIAL-USE", "CONDSTORE"})
        results = [
            _tls_passed(tls_name, cfg),
            CheckResult(
                f"{label}:login",
                True,
                f"logged in as {cfg.username} ({', '.join(extras) or 'no MOVE/UIDPLUS'})",
            ),
            _folders(label, ImapStore(session)),
        ]
    finally:
        session.close()
    return results


def _tls_passed(name: str, cfg: MailSettings) -> CheckResult:
    if cfg.security == "plain":
        return CheckResult(name, True, "plain IMAP to a loopback host (no TLS needed)", warning=False)
    trusted = f"the CA in {cfg.tls_ca_file}" if cfg.tls_ca_file else "the system CAs"
    return CheckResult(name, True, f"certificate of {cfg.imap_server} verified against {trusted}")


def integration_checks(
    label: str, stored: Mapping[str, Any], secrets: Mapping[str, str]
) -> list[CheckResult]:
    """The checks for one integration's settings (also used by tests without a database)."""
    try:
        cfg = mail_settings(stored, secrets)
    except IntegrationError as exc:
        return [CheckResult(f"{label}:settings", False, str(exc))]
    results = []
    if not cfg.trusted_authserv_id:
        results.append(
            CheckResult(
                f"{label}:trusted_authserv_id",
                False,
                "unset: SPF/DKIM/DMARC are read from the topmost Authentication-Results header; "
                "set trusted_authserv_id to your receiving server's authserv-id so that a forged "
                "header can never count",
                warning=True,
            )
        )
    if cfg.source == "maildir":
        try:
            store = MaildirStore(cfg)
        except IntegrationError as exc:
            return [*results, CheckResult(f"{label}:maildir", False, str(exc))]
        return [
            *results,
            CheckResult(f"{label}:maildir", True, f"{cfg.maildir_path}"),
            _folders(label, store),
        ]
    return results + _imap(label, cfg)


def connection_checks(ctx: IntegrationContext) -> list[CheckResult]:
    """The declared ``doctor`` check (:data:`integrations.email.plugin.INTEGRATION_TYPE`)."""
    return integration_checks(ctx.integration_id, ctx.settings, ctx.secrets)
