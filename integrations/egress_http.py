"""The outbound guard (:mod:`integrations.egress`) as an httpx transport, for the integrations'
HTTP clients (GitHub, Gemini). A module of its own so that importing the guard does not import httpx.
"""

from __future__ import annotations

import ipaddress

import httpx

from integrations.egress import READ_METHODS, checked_address, record_write


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that checks each request's host and connects to the checked address.

    The request keeps its ``Host`` header, and TLS is verified for the URL's host name (SNI), so
    only the address is pinned. Redirects are an httpx client setting; leave them off.
    """

    def __init__(self, inner: httpx.BaseTransport | None = None):
        self._inner = inner or httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        original = str(request.url)
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        address = checked_address(host, port)
        pinned = str(address) if isinstance(address, ipaddress.IPv4Address) else f"[{address}]"
        request.url = request.url.copy_with(host=pinned.strip("[]"))
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        if request.method in READ_METHODS:
            return self._inner.handle_request(request)  # reads carry nothing of the person's
        content = request.read()
        try:
            response = self._inner.handle_request(request)
        except httpx.ConnectError:
            raise  # nothing left this machine
        except Exception:
            record_write(original, request.method, content, status=None, received=0)
            raise
        # The body is not read here: clients stream it under their own size caps.
        length = response.headers.get("content-length", "")
        received = int(length) if length.isdigit() else 0
        record_write(original, request.method, content, status=response.status_code, received=received)
        return response

    def close(self) -> None:
        self._inner.close()


def guarded_transport() -> httpx.BaseTransport:
    """The transport integrations' HTTP clients use unless a test injects its own."""
    return GuardedTransport()
