"""The first-start admin account: created once, its random password kept in the data dir."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

ADMIN_USERNAME = "admin"
PASSWORD_FILE_NAME = "admin-password.txt"  # noqa: S105 -- a file name, not a password


@dataclass(frozen=True)
class AdminAccount:
    username: str
    password_file: Path
    created: bool
    password: str | None = None  # only when just created


def admin_password_file() -> Path:
    return Path(settings.DATA_DIR) / PASSWORD_FILE_NAME


def admin_ensure() -> AdminAccount:
    """Create superuser ``admin`` with a random password unless it exists; never change it after.

    The password is written to ``$STEWARD_DATA_DIR/admin-password.txt`` (mode 600) in the same
    transaction that creates the user, so a user without a saved password is never left behind.
    """
    path = admin_password_file()
    user_model = get_user_model()
    with transaction.atomic():
        if user_model.objects.filter(username=ADMIN_USERNAME).exists():
            return AdminAccount(ADMIN_USERNAME, path, created=False)
        password = secrets.token_urlsafe(18)
        user_model.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
        _write_private(path, password + "\n")
    return AdminAccount(ADMIN_USERNAME, path, created=True, password=password)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a stale file from an earlier database; O_CREAT keeps old modes
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
