"""The outbound seams record what left: a guarded write (GitHub, web_research) and a one-click
unsubscribe POST each leave one egress row naming the fields, never their content; reads leave none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.egress_http import GuardedTransport
from integrations.email.outbound import post_form
from orchestrator.egress.scope import egress_scope
from orchestrator.models import EgressRecord
from tests.email.https_server import HttpsServer, https_server_running
from tests.email.tls import make_ca

pytestmark = pytest.mark.django_db


@pytest.fixture
def https_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[HttpsServer]:
    ca = make_ca(tmp_path / "ca")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_cert))
    settings.STEWARD_OUTBOUND_ALLOW = ["localhost", "127.0.0.1"]
    with https_server_running(ca) as server:
        yield server


def test_a_guarded_json_write_records_its_field_names_and_sizes(https_server: HttpsServer) -> None:
    body = {"body": "Secret plans for Tuesday", "labels": ["x"]}
    with (
        egress_scope(purpose="comment", integration_id="github.work"),
        httpx.Client(transport=GuardedTransport()) as client,
    ):
        assert client.post(
            https_server.url("/repos/o/r/issues/1/comments", host="localhost"), json=body
        ).is_success
        assert (
            client.get(https_server.url("/repos/o/r", host="localhost")).status_code == 501
        )  # the test server answers no GET; it was sent

    [row] = EgressRecord.objects.all()
    assert (row.purpose, row.integration_id, row.method) == ("comment", "github.work", "POST")
    assert row.destination == f"localhost:{https_server.port}"
    assert row.fields == ["body[:24]", "labels"]
    assert row.bytes_sent == len(json.dumps(body, separators=(",", ":")).encode())
    assert "Secret" not in json.dumps(row.fields)


def test_a_one_click_unsubscribe_is_recorded(https_server: HttpsServer) -> None:
    with egress_scope(purpose="unsubscribe", integration_id="email.personal"):
        assert post_form(https_server.url(host="127.0.0.1"), "List-Unsubscribe=One-Click") == 200
    [row] = EgressRecord.objects.all()
    assert (row.purpose, row.status, row.bytes_sent) == (
        "unsubscribe",
        200,
        len("List-Unsubscribe=One-Click"),
    )
    assert row.fields == ["body[:26]"]
