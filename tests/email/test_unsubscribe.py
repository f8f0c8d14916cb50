"""RFC 8058 one-click unsubscribe: one POST to a real local HTTPS server when allowed; the SSRF
guard refuses loopback, private and non-https targets; redirects are not followed."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.base import IntegrationError
from integrations.email.actions import ACTIONS
from integrations.email.outbound import post_form
from integrations.email.parsing import parse_message
from tests.email.harness import Ctx
from tests.email.https_server import HttpsServer


def newsletter(url: str, *, dkim: str = "pass") -> dict[str, Any]:
    raw = (
        f"Authentication-Results: mx.home.example; spf=pass; dkim={dkim}; dmarc=pass\r\n"
        "From: News <news@newsletters.example.com>\r\nTo: me@home.example\r\nSubject: Weekly\r\n"
        f"Message-ID: <weekly@newsletters.example.com>\r\nList-Unsubscribe: <{url}>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nNews.\r\n"
    ).encode()
    return parse_message(raw, uid=1, trusted_authserv_id="mx.home.example").snapshot


def unsubscribe(snapshot: dict[str, Any]) -> Any:
    return ACTIONS["unsubscribe"].run(Ctx(settings={}, secrets={}), snapshot, None)


def test_an_allowed_local_server_gets_exactly_one_one_click_post(
    https_server: HttpsServer, settings: Any
) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    outcome = unsubscribe(newsletter(https_server.url()))
    assert "HTTP 200" in outcome.summary
    [(method, path, headers, body)] = https_server.recorder.requests
    assert (method, path, body) == ("POST", "/unsubscribe?list=news&id=42", b"List-Unsubscribe=One-Click")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_a_cidr_in_the_allow_list_also_allows(https_server: HttpsServer, settings: Any) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.0/8"]
    assert post_form(https_server.url(host="localhost"), "List-Unsubscribe=One-Click") == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_unless_allowed(https_server: HttpsServer, settings: Any, host: str) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = []
    with pytest.raises(IntegrationError, match="refusing to connect") as error:
        unsubscribe(newsletter(https_server.url(host=host)))
    assert error.value.permanent
    assert https_server.recorder.requests == []


@pytest.mark.parametrize(
    "url",
    ["https://10.1.2.3/u", "https://192.168.0.10/u", "https://169.254.169.254/latest", "https://[::1]/u",
     "https://[::ffff:10.0.0.1]/u", "https://100.64.0.1/u", "https://0.0.0.0/u"],
)  # fmt: skip
def test_private_and_link_local_targets_are_refused(url: str, settings: Any) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    with pytest.raises(IntegrationError, match="refusing to connect") as error:
        post_form(url, "List-Unsubscribe=One-Click")
    assert error.value.permanent


def test_plain_http_is_refused(settings: Any) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    with pytest.raises(IntegrationError, match="non-https"):
        post_form("http://127.0.0.1/u", "x")


def test_redirects_are_not_followed(https_server: HttpsServer, settings: Any) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    with pytest.raises(IntegrationError, match="redirect") as error:
        post_form(https_server.url("/redirect"), "List-Unsubscribe=One-Click")
    assert error.value.permanent
    assert [path for _, path, _, _ in https_server.recorder.requests] == ["/redirect"]


def test_an_untrusted_certificate_is_refused(
    https_server: HttpsServer, settings: Any, monkeypatch: Any
) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(IntegrationError, match="certificate not trusted"):
        post_form(https_server.url(), "List-Unsubscribe=One-Click")
    assert https_server.recorder.requests == []


def test_without_dkim_pass_the_header_may_be_forged_and_nothing_is_sent(
    https_server: HttpsServer, settings: Any
) -> None:
    settings.STEWARD_OUTBOUND_ALLOW = ["127.0.0.1"]
    with pytest.raises(IntegrationError, match="DKIM"):
        unsubscribe(newsletter(https_server.url(), dkim="fail"))
    assert https_server.recorder.requests == []


def test_a_message_without_one_click_cannot_be_unsubscribed() -> None:
    snapshot = parse_message(b"From: a@example.org\r\nSubject: x\r\n\r\nx", uid=1).snapshot
    with pytest.raises(IntegrationError, match="no RFC 8058"):
        unsubscribe(snapshot)
