"""Outbound HTTPS that a message's author controls the address of — guarded against SSRF.

A ``List-Unsubscribe`` URL is chosen by whoever sent the mail. Before anything is sent, the host
is resolved and every address must be public (no loopback, private, link-local, shared, reserved
or multicast ranges) unless ``settings.STEWARD_OUTBOUND_ALLOW`` names the host or a CIDR holding
the address. The connection then goes to the checked address itself (so a second DNS answer
cannot swap in an internal one), with the certificate verified for the URL's host name.
Only ``https``; redirects are never followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings

from integrations.base import IntegrationError

logger = logging.getLogger(__name__)

TIMEOUT_S = 15.0
USER_AGENT = "Steward (RFC 8058 one-click unsubscribe)"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _allow_list() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    hosts: set[str] = set()
    networks = []
    for entry in getattr(settings, "STEWARD_OUTBOUND_ALLOW", []) or []:
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.add(entry.strip().lower().rstrip("."))
    return hosts, networks


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise IntegrationError(f"cannot resolve {host}: {exc}") from None
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def checked_address(host: str, port: int) -> IPAddress:
    """The address to connect to, or a permanent error if *host* leads somewhere internal."""
    hosts, networks = _allow_list()
    addresses = resolve(host, port)
    if not addresses:
        raise IntegrationError(f"{host} resolves to no address")
    if host.lower().rstrip(".") in hosts:
        return addresses[0]
    for address in addresses:
        if not is_public(address) and not any(address in net for net in networks):
            raise IntegrationError(
                f"refusing to connect to {host} ({address}): a private, loopback or link-local "
                "address (allow it with STEWARD_OUTBOUND_ALLOW if it is really meant)",
                permanent=True,
            )
    return addresses[0]


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
        response.read(65536)
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
