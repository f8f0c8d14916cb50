"""``doctor`` for email integrations: TLS verification, login, folders, trusted authserv-id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integrations.email.checks import integration_checks
from orchestrator.checks import CheckResult
from tests.email.dovecot import PASSWORD, Dovecot
from tests.email.harness import MaildirHarness
from tests.email.tls import TestCA


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name.rsplit(":", 1)[1]: r for r in results}


def test_a_healthy_ssl_server_passes(dovecot: Dovecot, test_ca: TestCA) -> None:
    settings = dovecot.settings(
        "doc1", security="ssl", tls_ca_file=str(test_ca.ca_cert), trusted_authserv_id="mx.home.example"
    )
    results = by_name(integration_checks("email:t", settings, {"password": PASSWORD}))
    assert set(results) == {"tls", "login", "folders"}
    assert all(r.ok for r in results.values())
    assert "verified" in results["tls"].message
    assert "MOVE" in results["login"].message
    assert "archive=Archive" in results["folders"].message


def test_an_untrusted_certificate_fails_tls_and_skips_login(dovecot: Dovecot) -> None:
    results = by_name(
        integration_checks("email:t", dovecot.settings("doc2", security="ssl"), {"password": PASSWORD})
    )
    assert not results["tls"].ok
    assert "tls_ca_file" in results["tls"].message
    assert not results["login"].ok
    assert results["login"].message == "not attempted"


def test_a_wrong_password_fails_login(dovecot: Dovecot) -> None:
    results = by_name(integration_checks("email:t", dovecot.settings("doc3"), {"password": "nope"}))
    assert not results["login"].ok
    assert "AUTHENTICATIONFAILED" in results["login"].message
    assert results["trusted_authserv_id"].warning
    assert not results["trusted_authserv_id"].ok


def test_a_missing_folder_override_is_a_warning(dovecot: Dovecot) -> None:
    settings = dovecot.settings("doc4", folders={"archive": "Old stuff"}, trusted_authserv_id="x")
    results = by_name(integration_checks("email:t", settings, {"password": PASSWORD}))
    assert results["login"].ok
    assert results["folders"].warning
    assert "archive" in results["folders"].message


def test_a_server_that_is_down_fails_to_connect() -> None:
    settings = {"imap_server": "127.0.0.1", "imap_port": 1, "security": "plain", "username": "u"}
    results = by_name(integration_checks("email:t", settings, {"password": "x"}))
    assert not results["connect"].ok
    assert "cannot reach" in results["connect"].message


def test_a_maildir_is_checked_for_its_folders(tmp_path: Path) -> None:
    harness = MaildirHarness(tmp_path / "Maildir")
    harness.seed([])
    results = by_name(integration_checks("email:t", {**harness.settings, "trusted_authserv_id": "x"}, {}))
    assert results["maildir"].ok
    assert results["folders"].ok
    missing = by_name(
        integration_checks("email:t", {"source": "maildir", "maildir_path": "/nonexistent"}, {})
    )
    assert not missing["maildir"].ok


@pytest.mark.django_db
def test_doctor_runs_the_checks_of_every_enabled_email_integration(dovecot: Dovecot, test_ca: TestCA) -> None:
    from orchestrator.checks import run_checks
    from orchestrator.models import Integration

    Integration.objects.create(
        type="email", name="home", settings=dovecot.settings("doc5"), secrets={"password": PASSWORD}
    )
    names = {r.name: r for r in run_checks() if r.name.startswith("email.home:")}
    assert names["email.home:login"].ok
    assert names["email.home:trusted_authserv_id"].warning


def test_settings_errors_are_reported_not_raised() -> None:
    results: Any = integration_checks("email:t", {"imap_server": "mail.example.com", "security": "plain"}, {})
    assert not results[0].ok
    assert "loopback" in results[0].message
