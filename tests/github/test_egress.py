"""The shared outbound guard as httpx clients use it (``integrations.egress_http.GuardedTransport``):
internal addresses refused unless ``STEWARD_OUTBOUND_ALLOW`` names them, and an allowed HTTPS host
reached at its checked address with the certificate verified for its name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.base import IntegrationError
from integrations.egress_http import GuardedTransport
from tests.email.https_server import HttpsServer, https_server_running
from tests.email.tls import make_ca


@pytest.fixture
def https_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpsServer]:
    ca = make_ca(tmp_path / "ca")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_cert))  # trusted the way a system CA would be
    with https_server_running(ca) as server:
        yield server


def post(url: str) -> httpx.Response:
    with httpx.Client(transport=GuardedTransport()) as guarded:
        return guarded.post(url, content=b"x")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_without_an_allow_entry(
    https_server: HttpsServer, settings: Any, host: str
) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = []
    with pytest.raises(
        IntegrationError, match=r"refusing to connect to .* STEWARD_OUTBOUND_ALLOW"
    ) as refused:
        post(https_server.url(host=host))
    assert refused.value.permanent
    assert https_server.recorder.requests == []


def test_an_allowed_host_is_reached_with_its_name_kept_for_tls_and_host(
    https_server: HttpsServer, settings: Any
) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["localhost"]
    assert post(https_server.url("/hook", host="localhost")).status_code == 200
    [(method, path, headers, _)] = https_server.recorder.requests
    assert (method, path, headers["Host"]) == ("POST", "/hook", f"localhost:{https_server.port}")


def test_an_allowed_network_admits_its_addresses(https_server: HttpsServer, settings: Any) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.0/8"]
    assert post(https_server.url("/hook")).status_code == 200
