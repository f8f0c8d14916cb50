"""Outbound HTTPS that a message's author controls the address of — guarded against SSRF.

A ``List-Unsubscribe`` URL is chosen by whoever sent the mail, so the host must pass the shared
outbound guard (:func:`integrations.egress.checked_address`: public addresses only, unless
``STEWARD_OUTBOUND_ALLOW`` names it) and the connection goes to the checked address itself, with
the certificate verified for the URL's host name. Only ``https``; redirects are never followed.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
from urllib.parse import urlsplit

from integrations.base import IntegrationError
from integrations.egress import IPAddress, checked_address, record_write

logger = logging.getLogger(__name__)

TIMEOUT_S = 15.0
USER_AGENT = "Steward (RFC 8058 one-click unsubscribe)"


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a pre-checked address, verifying the certificate for the URL's host name."""

    def __init__(self, host: str, port: int, address: IPAddress, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post_form(url: str, body: str, *, timeout: float = TIMEOUT_S) -> int:
    """POST *body* (form-encoded) to *url*; the HTTP status on 2xx, :class:`IntegrationError` else."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise IntegrationError(f"refusing a non-https URL: {parts.scheme}://…", permanent=True)
    try:
        port = parts.port or 443
    except ValueError:
        raise IntegrationError("the URL has an invalid port", permanent=True) from None
    host = parts.hostname
    address = checked_address(host, port)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    connection = _PinnedHTTPSConnection(host, port, address, timeout)
    try:
        connection.request(
            "POST",
            path,
            body=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
        )
        response = connection.getresponse()
        status = response.status
        received = response.read(65536)
        record_write(url, "POST", body.encode(), status=status, received=len(received))
    except ssl.SSLCertVerificationError as exc:
        raise IntegrationError(
            f"{host}: certificate not trusted ({exc.verify_message})", permanent=True
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        raise IntegrationError(f"POST to {host} failed: {type(exc).__name__}: {exc}") from None
    finally:
        connection.close()
    logger.info("POST https://%s%s -> %s", host, parts.path, status)
    if 200 <= status < 300:
        return status
    if 300 <= status < 400:
        raise IntegrationError(
            f"{host} answered with a redirect ({status}); redirects are not followed", permanent=True
        )
    if status == 429 or status >= 500:
        raise IntegrationError(f"{host} answered HTTP {status}; will retry")
    raise IntegrationError(f"{host} refused the request: HTTP {status}", permanent=True)
