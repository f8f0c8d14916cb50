"""The outbound guard every integration's network traffic goes through (against SSRF).

Before anything is sent, the host is resolved and every address must be public (no loopback,
private, link-local, shared, reserved or multicast ranges) unless ``settings.STEWARD_OUTBOUND_ALLOW``
names the host or a CIDR holding the address. The connection then goes to the checked address itself
(so a second DNS answer cannot swap in an internal one), with TLS verified for the URL's host name.

:func:`checked_address` is the check; :class:`integrations.egress_http.GuardedTransport` applies it
to every request of an ``httpx.Client`` (GitHub, Gemini); ``integrations.email.outbound`` uses it
for one-click unsubscribe. This module does not import httpx (~9 MiB): the email plugin imports it
in every process, the HTTP clients only when they are used.
Both also record every request that carries a body in the egress ledger (:func:`record_write`:
host, field names and sizes, bytes — never the content; docs/SECURITY.md).
"""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings

from integrations.base import IntegrationError

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


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def record_write(url: str, method: str, content: bytes, *, status: int | None, received: int) -> None:
    """One egress row for a request that carried a body (a GitHub write, a web_research prompt)."""
    from orchestrator.egress.ledger import body_fields, egress_record

    egress_record(
        url=url,
        method=method,
        bytes_sent=len(content),
        bytes_received=received,
        status=status,
        fields=body_fields(content),
    )
