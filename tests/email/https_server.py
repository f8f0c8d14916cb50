"""A real HTTPS server on loopback (throwaway-CA certificate) that records every request."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.email.tls import TestCA


@dataclass
class Recorder:
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    recorder: Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.recorder.requests.append((self.command, self.path, dict(self.headers), body))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/unsubscribe?after-redirect")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class HttpsServer:
    port: int
    recorder: Recorder

    def url(self, path: str = "/unsubscribe?list=news&id=42", host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.port}{path}"


@contextmanager
def https_server_running(test_ca: TestCA) -> Iterator[HttpsServer]:
    recorder = Recorder()
    handler = type("Handler", (_Handler,), {"recorder": recorder})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(test_ca.server_cert, test_ca.server_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HttpsServer(server.server_address[1], recorder)
    finally:
        server.shutdown()
        server.server_close()
