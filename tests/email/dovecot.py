"""A real Dovecot for the IMAP tests: started on free loopback ports, always stopped.

One server per test session serves a plain listener (for ``security: plain`` and STARTTLS) and a
TLS listener with a certificate from a throwaway CA (SAN 127.0.0.1/localhost). It listens on
127.0.0.1 and 127.0.0.2, so connecting to the second address checks hostname verification.
Any user name logs in with :data:`PASSWORD`: each test gets a fresh user, hence a fresh Maildir.
As root, Dovecot runs its login and mail processes unprivileged (``dovenull``, ``dovecot``), and
the Maildirs belong to ``dovecot`` (it refuses uid 0).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.email.tls import TestCA

PASSWORD = "Correct-Horse-Battery-Staple-7"
START_TIMEOUT_S = 20
SPECIAL_FOLDERS = {
    "Archive": "\\Archive",
    "Junk": "\\Junk",
    "Trash": "\\Trash",
    "Drafts": "\\Drafts",
    "Sent": "\\Sent",
}

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = steward-test-{pid}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1, 127.0.0.2
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = dovenull
default_internal_user = dovecot
mail_uid = dovecot
mail_gid = dovecot
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {plain_port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
# No per-IP penalty after the tests' deliberate wrong passwords (it would slow every later login).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 500
}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.settimeout(2)
            return True
    except OSError:
        return False


@dataclass
class Dovecot:
    root: Path
    ca: TestCA
    plain_port: int = 0
    tls_port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def config_text(self) -> str:
        mailboxes = "\n".join(
            f"  mailbox {name} {{\n    special_use = {use}\n    auto = create\n  }}"
            for name, use in SPECIAL_FOLDERS.items()
        )
        return CONFIG.format(
            root=self.root, pid=os.getpid(), cert=self.ca.server_cert, key=self.ca.server_key,
            password=PASSWORD, plain_port=self.plain_port, tls_port=self.tls_port,
            mailboxes=mailboxes,
        )  # fmt: skip

    def start(self) -> Dovecot:
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        dovecot_user = pwd.getpwnam("dovecot")
        for sub in ("mail", "home"):
            os.chown(self.root / sub, dovecot_user.pw_uid, dovecot_user.pw_gid)
        self.plain_port, self.tls_port = free_port(), free_port()
        (self.root / "dovecot.conf").write_text(self.config_text())
        return self.launch()

    def launch(self) -> Dovecot:
        """Start the master on the configured ports (again, after :meth:`stop`: a restart)."""
        config = self.root / "dovecot.conf"
        self.process = subprocess.Popen(
            [shutil.which("dovecot") or "/usr/sbin/dovecot", "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.diagnostics()}")
            if _accepts(self.plain_port) and _accepts(self.tls_port):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not listen within {START_TIMEOUT_S}s: {self.diagnostics()}")

    def diagnostics(self) -> str:
        log = self.root / "dovecot.log"
        stderr = b""
        if self.process is not None and self.process.poll() is not None and self.process.stderr:
            stderr = self.process.stderr.read() or b""
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        return f"{stderr.decode(errors='replace')}\n{tail}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # the master stops its children itself
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:  # it waits for open sessions: a throwaway server need not
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def maildir(self, user: str) -> Path:
        return self.root / "mail" / user

    def settings(self, user: str, *, security: str = "plain", **extra: object) -> dict[str, object]:
        port = self.tls_port if security == "ssl" else self.plain_port
        return {
            "source": "imap",
            "imap_server": "127.0.0.1",
            "imap_port": port,
            "security": security,
            "username": user,
            **extra,
        }
