"""A tiny round-robin TCP proxy (asyncio, in a thread): one address in front of several web
processes, as a load balancer without sticky sessions would be. Each accepted connection goes to
the next backend; bytes are copied both ways untouched, so HTTP keep-alive and websockets pass."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class RoundRobinProxy:
    backends: list[int]  # ports on 127.0.0.1
    port: int = 0
    routed: list[int] = field(default_factory=list)  # the backend port of each connection, in order
    _loop: asyncio.AbstractEventLoop | None = None

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve(self, started: threading.Event) -> None:
        turn = itertools.cycle(self.backends)

        async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
            backend = next(turn)
            self.routed.append(backend)
            try:
                server_r, server_w = await asyncio.open_connection("127.0.0.1", backend)
            except OSError:
                client_w.close()
                return
            await asyncio.gather(self._pipe(client_r, server_w), self._pipe(server_r, client_w))

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        server = await asyncio.start_server(handle, sock=sock)
        started.set()
        async with server:
            await server.serve_forever()

    @contextlib.contextmanager
    def running(self) -> Iterator[RoundRobinProxy]:
        started = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop
        serving: asyncio.Task[None] | None = None  # created in the proxy's thread

        def run() -> None:
            nonlocal serving
            asyncio.set_event_loop(loop)
            serving = loop.create_task(self._serve(started))
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(serving)

        thread = threading.Thread(target=run, name="round-robin-proxy", daemon=True)
        thread.start()
        if not started.wait(10):
            raise RuntimeError("the proxy did not start")
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(lambda: serving.cancel() if serving else None)
            thread.join(timeout=10)
            loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
