"""The data directory and the keys kept in it, prepared by the commands that need them.

Importing the settings only *reads* the directory (``stored_secret_key``, ``stored_fernet_keys``),
so ``mypy``'s Django plugin, ``manage.py check`` and any other import never write into a
checkout. ``manage.py`` calls :func:`data_dir_prepare` before the commands that serve, store or
migrate (:data:`PREPARING_COMMANDS`: ``make run``'s migrate → ensure_admin → setup_demo →
supervisor, and the like); ``tests/settings.py`` calls it for the test run's own directory.
Kept free of Django imports: it runs before Django is configured.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from orchestrator.environment import SettingError, env_fernet_keys, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"  # noqa: S105  # a file name, not a key
FERNET_KEY_FILE = "fernet.key"
STATIC_DIR = "staticfiles"
# The management commands that need the directory and its keys (the rest only read settings).
PREPARING_COMMANDS = frozenset(
    {
        "migrate",
        "ensure_admin",
        "setup_demo",
        "supervisor",
        "runserver",
        "qcluster",
        "import_config",
        "run_integration",
        "createsuperuser",
        "shell",
        "collectstatic",
    }
)


def data_dir_path() -> Path:
    """``STEWARD_DATA_DIR``, else ``data/`` in the checkout."""
    return Path(env_str("STEWARD_DATA_DIR", str(BASE_DIR / "data"))).resolve()


def env_secret_key() -> str:
    return env_str("STEWARD_SECRET_KEY") or env_str("SECRET_KEY")


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def stored_secret_key(data_dir: Path) -> str:
    """The configured or stored signing key; empty until :func:`data_dir_prepare` ran."""
    return env_secret_key() or _read(data_dir / SECRET_KEY_FILE)


def stored_fernet_keys(data_dir: Path) -> list[str]:
    """The configured or stored Fernet keys (first encrypts); empty until prepared."""
    configured = env_fernet_keys()
    if configured:
        return configured
    stored = _read(data_dir / FERNET_KEY_FILE)
    return [stored] if stored else []


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    """Return the key stored at *path*, creating it exclusively so concurrent processes agree."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be between create and write
            value = path.read_text().strip()
            if value:
                return value
            time.sleep(0.02)
        raise SettingError(f"{path} is empty: delete it to generate a new key") from None
    value = make()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def data_dir_prepare(data_dir: Path | None = None) -> Path:
    """Create the data directory and, unless the environment provides them, its keys (once)."""
    data_dir = data_dir or data_dir_path()
    (data_dir / STATIC_DIR).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
    if not env_secret_key():
        _read_or_create(data_dir / SECRET_KEY_FILE, lambda: secrets.token_urlsafe(50))
    if not env_fernet_keys():
        from cryptography.fernet import Fernet  # on first use only: ~2 MiB in every process otherwise

        _read_or_create(data_dir / FERNET_KEY_FILE, lambda: Fernet.generate_key().decode())
    return data_dir
