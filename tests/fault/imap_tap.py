"""A TCP proxy in front of Dovecot's plain IMAP port that can freeze one IMAP command mid-flight,
so a test can SIGKILL the worker that sent it at a chosen moment — no hook in the code under test.

Bytes pass untouched both ways. The *trap* watches the client's command lines: at the *nth*
command matching its pattern it freezes that connection, either

- ``before``: the command is never forwarded (the server never does it), or
- ``after``: the command is forwarded and the server's whole answer is held back (the server has
  done it; the client never learns).

:meth:`ImapTap.holder_pid` then names the process at the client end of the frozen connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.fault.proxy import LoopbackProxy, until_gone


@dataclass
class Trap:
    pattern: re.Pattern[bytes]  # matched against each client command line (CRLF stripped)
    nth: int = 1
    when: str = "after"  # "before" or "after" the server sees the command
    seen: int = 0
    line: bytes = b""  # the command that sprang it
    client_port: int = 0  # the frozen connection's source port at the client
    sprung: threading.Event = field(default_factory=threading.Event)


@dataclass
class ImapTap(LoopbackProxy):
    backend: int  # the server's port on 127.0.0.1
    trap: Trap
    port: int = 0
    commands: list[bytes] = field(default_factory=list)  # every client command line, in order

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.backend)
        except OSError:
            client_w.close()
            return
        frozen = asyncio.Event()  # set once the trap springs on this connection: hold answers
        client_port = int(client_w.get_extra_info("peername")[1])
        await asyncio.gather(
            self._commands(client_r, server_w, frozen, client_port),
            self._answers(server_r, client_w, frozen),
        )

    async def _commands(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        frozen: asyncio.Event,
        client_port: int,
    ) -> None:
        trap = self.trap
        with until_gone(writer):
            while line := await reader.readline():
                command = line.rstrip(b"\r\n")
                self.commands.append(command)
                if trap.pattern.search(command):
                    trap.seen += 1
                if trap.pattern.search(command) and trap.seen == trap.nth:  # springs, once
                    trap.line, trap.client_port = command, client_port
                    frozen.set()
                    if trap.when == "before":
                        trap.sprung.set()
                        await reader.read()  # swallow the rest until the client dies
                        return
                writer.write(line)
                await writer.drain()

    async def _answers(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frozen: asyncio.Event
    ) -> None:
        trap = self.trap
        with until_gone(writer):
            while data := await reader.read(65536):
                if frozen.is_set():
                    # "after": the server answered the command (its tagged reply is in here);
                    # the client never sees it.
                    tag = trap.line.split(b" ", 1)[0]
                    if trap.when == "after" and re.search(rb"(^|\r\n)" + re.escape(tag) + rb" ", data):
                        trap.sprung.set()
                    continue
                writer.write(data)
                await writer.drain()

    def holder_pid(self, candidates: list[int]) -> int:
        """Which of *candidates* holds the client end of the frozen connection (via /proc)."""
        inode = _socket_inode(self.trap.client_port, self.port)
        for pid in candidates:
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    with contextlib.suppress(OSError):
                        if fd.readlink().name == f"socket:[{inode}]":
                            return pid
        raise LookupError(f"no process of {candidates} holds socket {inode}")


def _socket_inode(local_port: int, remote_port: int) -> str:
    """The inode of the loopback TCP socket from *local_port* to *remote_port*."""
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = row.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == local_port and int(remote.split(":")[1], 16) == remote_port:
            return inode
    raise LookupError(f"no TCP socket 127.0.0.1:{local_port} → :{remote_port}")
