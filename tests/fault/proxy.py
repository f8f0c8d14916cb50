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
from typing import Self


class LoopbackProxy:
    """A TCP listener on a free loopback port, served by an asyncio loop in a thread of its own.

    Subclasses say what happens to each accepted connection (:meth:`handle`); :meth:`running`
    starts the listener, sets :attr:`port` and, on the way out, cancels every open connection.
    """

    port: int

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def _serve(self, started: threading.Event) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        server = await asyncio.start_server(self.handle, sock=sock)
        started.set()
        async with server:
            await server.serve_forever()

    @contextlib.contextmanager
    def running(self) -> Iterator[Self]:
        started = threading.Event()
        loop = asyncio.new_event_loop()
        serving: asyncio.Task[None] | None = None  # created in the proxy's thread

        def run() -> None:
            nonlocal serving
            asyncio.set_event_loop(loop)
            serving = loop.create_task(self._serve(started))
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(serving)
            # Connections still open (the clients' pooled sessions): close them with the loop.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))

        thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        thread.start()
        if not started.wait(10):
            raise RuntimeError(f"the {type(self).__name__} did not start")
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(lambda: serving.cancel() if serving else None)
            thread.join(timeout=10)
            loop.close()


@contextlib.contextmanager
def until_gone(writer: asyncio.StreamWriter) -> Iterator[None]:
    """Copying into *writer* ends quietly when either end goes away, and closes *writer*."""
    try:
        yield
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes from *reader* to *writer* until either end goes away."""
    with until_gone(writer):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


@dataclass
class RoundRobinProxy(LoopbackProxy):
    backends: list[int]  # ports on 127.0.0.1
    port: int = 0
    routed: list[int] = field(default_factory=list)  # the backend port of each connection, in order

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(self.backends)

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        backend = next(self._turn)
        self.routed.append(backend)
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", backend)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
