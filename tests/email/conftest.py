"""Email test fixtures: a real Dovecot (session-scoped, always stopped), a recording HTTPS server,
and one harness per mail source so the same tests run against IMAP and Maildir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.email import imap, sessions
from tests.conftest import services_required
from tests.email.dovecot import Dovecot
from tests.email.harness import Harness, ImapHarness, MaildirHarness, users
from tests.email.https_server import HttpsServer, https_server_running
from tests.email.tls import TestCA, make_ca


# --- session-wide servers ---------------------------------------------------------------------
def _ensure_dovecot() -> None:
    if shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists():
        return
    command = "apt-get install -y --no-install-recommends dovecot-imapd"
    if os.geteuid() != 0:
        message = f"Dovecot is not installed; as root run: {command}"
        if services_required():
            pytest.fail(message)
        pytest.skip(f"SKIPPED FOR A MISSING SERVICE: {message}")
    policy = Path("/usr/sbin/policy-rc.d")
    created = not policy.exists()
    if created:  # keep the package from starting a system Dovecot on 143/993
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(command.split(), check=True, env=env, capture_output=True, timeout=600)
    finally:
        if created:
            policy.unlink()


@pytest.fixture(scope="session")
def scratch() -> Iterator[Path]:
    """A world-traversable scratch directory (Dovecot's unprivileged users must reach into it)."""
    path = Path(tempfile.mkdtemp(prefix="steward-email-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def test_ca(scratch: Path) -> TestCA:
    return make_ca(scratch / "tls")


@pytest.fixture(scope="session")
def dovecot(scratch: Path, test_ca: TestCA) -> Iterator[Dovecot]:
    _ensure_dovecot()
    server = Dovecot(scratch / "dovecot", test_ca)
    try:
        server.start()
        yield server
    finally:
        sessions.close_all()
        server.stop()


@pytest.fixture
def imap_harness(dovecot: Dovecot) -> ImapHarness:
    return ImapHarness(dovecot, f"user{next(users)}")


@pytest.fixture
def maildir_harness(tmp_path: Path) -> MaildirHarness:
    return MaildirHarness(tmp_path / "Maildir")


@pytest.fixture(params=["imap", "maildir"])
def harness(request: pytest.FixtureRequest) -> Harness:
    """The same test against Dovecot and against a local Maildir."""
    return request.getfixturevalue(f"{request.param}_harness")


@pytest.fixture
def https_server(test_ca: TestCA, monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpsServer]:
    """A recording HTTPS server; clients trust its CA the way a system would (OpenSSL's paths)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.ca_cert))
    with https_server_running(test_ca) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_sessions() -> Iterator[None]:
    imap.COMMAND_COUNTS.clear()
    yield
    sessions.close_all()
