"""TLS that is really TLS, and clear errors: untrusted certificates, wrong host names, wrong
passwords, servers that are down — against the real Dovecot."""

from __future__ import annotations

import logging
import socket

import pytest

from integrations.base import IntegrationError
from integrations.email import discovery
from integrations.email.config import mail_settings
from tests.email.dovecot import PASSWORD, Dovecot
from tests.email.harness import Ctx
from tests.email.tls import TestCA


def ctx_for(dovecot: Dovecot, user: str = "tls-user", **settings: object) -> Ctx:
    return Ctx(settings={**dovecot.settings(user), **settings}, secrets={"password": PASSWORD})


def check_error(ctx: Ctx) -> IntegrationError:
    with pytest.raises(IntegrationError) as error:
        discovery.check(ctx, {})
    return error.value


def test_ssl_with_the_ca_file_connects(dovecot: Dovecot, test_ca: TestCA) -> None:
    ctx = ctx_for(dovecot, security="ssl", imap_port=dovecot.tls_port, tls_ca_file=str(test_ca.ca_cert))
    assert discovery.check(ctx, {}) == []


def test_an_untrusted_certificate_is_refused(dovecot: Dovecot) -> None:
    error = check_error(ctx_for(dovecot, security="ssl", imap_port=dovecot.tls_port))
    assert error.permanent
    assert "not trusted" in str(error)
    assert "tls_ca_file" in str(error)


def test_a_certificate_for_another_name_is_refused(dovecot: Dovecot, test_ca: TestCA) -> None:
    ctx = ctx_for(
        dovecot,
        security="ssl",
        imap_server="127.0.0.2",
        imap_port=dovecot.tls_port,
        tls_ca_file=str(test_ca.ca_cert),
    )
    error = check_error(ctx)
    assert error.permanent
    assert "not trusted" in str(error)
    assert "127.0.0.2" in str(error)


def test_starttls_verifies_the_certificate_too(dovecot: Dovecot, test_ca: TestCA) -> None:
    trusted = ctx_for(dovecot, security="starttls", tls_ca_file=str(test_ca.ca_cert))
    assert discovery.check(trusted, {}) == []
    assert check_error(ctx_for(dovecot, security="starttls")).permanent


def test_ssl_against_a_plain_port_is_a_clear_permanent_error(dovecot: Dovecot, test_ca: TestCA) -> None:
    error = check_error(ctx_for(dovecot, security="ssl", tls_ca_file=str(test_ca.ca_cert)))
    assert error.permanent
    assert "TLS handshake" in str(error)


def test_plain_is_refused_to_a_remote_host_before_connecting() -> None:
    with pytest.raises(IntegrationError, match="only allowed to a loopback host") as error:
        mail_settings({"imap_server": "imap.example.com", "security": "plain"}, {"password": "x"})
    assert error.value.permanent


def test_a_wrong_password_is_permanent_and_never_echoed(
    dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ctx = Ctx(settings=dovecot.settings("someone"), secrets={"password": "hunter2-wrong"})
    error = check_error(ctx)
    assert error.permanent
    assert "login" in str(error)
    assert "AUTHENTICATIONFAILED" in str(error)
    assert "hunter2" not in str(error)
    assert "hunter2" not in caplog.text


def test_a_server_that_is_down_is_a_transient_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ctx = Ctx(
        settings={"imap_server": "127.0.0.1", "imap_port": port, "security": "plain", "username": "u"},
        secrets={"password": "x"},
    )
    error = check_error(ctx)
    assert not error.permanent
    assert "cannot reach" in str(error)


def test_a_missing_ca_file_is_a_configuration_error(dovecot: Dovecot) -> None:
    error = check_error(
        ctx_for(dovecot, security="ssl", imap_port=dovecot.tls_port, tls_ca_file="/nonexistent/ca.pem")
    )
    assert error.permanent
    assert "tls_ca_file" in str(error)


def test_a_non_ascii_password_is_sent_with_sasl_plain(dovecot: Dovecot) -> None:
    ctx = Ctx(settings=dovecot.settings("someone"), secrets={"password": "pässwörd"})
    assert "AUTHENTICATIONFAILED" in str(check_error(ctx))  # sent as UTF-8, not a crash; just wrong
