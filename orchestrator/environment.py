"""Typed readers for the environment variables (listed in the README and docs/CONFIG.md).

Kept free of Django imports: settings.py imports this before Django is configured.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingError(ValueError):
    """An environment variable holds a value Steward cannot use; the message says which and why."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default).lower() or default
    if value not in choices:
        raise SettingError(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost' — the binds where local mode needs no login."""
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]


def auth_required(auth_mode: str, bind_host: str) -> bool:
    """Authentication is on when asked for, or (``auto``) for any bind but loopback."""
    return auth_mode == "required" or (auth_mode == "auto" and not is_loopback_host(bind_host))


def allowed_hosts(*, bind_host: str, required: bool, extra: list[str]) -> list[str]:
    if required and not is_loopback_host(bind_host):
        return extra or ["*"]
    # Local names only: a DNS-rebinding page cannot reach the unauthenticated local API.
    return LOCAL_HOSTS + extra


def env_fernet_keys() -> list[str]:
    """``STEWARD_ENCRYPTION_KEY``: Fernet keys for secrets at rest; the first encrypts, all decrypt."""
    configured = env_list("STEWARD_ENCRYPTION_KEY")
    if not configured:
        return configured
    from cryptography.fernet import Fernet  # only to check a configured key: ~2 MiB otherwise

    for key in configured:
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise SettingError(
                "STEWARD_ENCRYPTION_KEY holds a value that is not a Fernet key "
                "(32 url-safe base64-encoded bytes); generate one with `python -c "
                "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
            ) from exc
    return configured


def machine_time_zone() -> str:
    """The machine's IANA zone name (from /etc/timezone or the /etc/localtime link), else UTC."""
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name:
            return name
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return "UTC"
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else "UTC"
