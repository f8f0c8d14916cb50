"""Secrets at rest: Fernet encryption (``cryptography``) behind two model fields.

The first key in STEWARD_ENCRYPTION_KEY encrypts; every listed key decrypts, so keys rotate by
prepending a new one. Plaintext never reaches the database, the admin or the logs.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet


@cache
def _fernet() -> MultiFernet:
    # cryptography (~2 MiB) is imported by the first secret read or written, not by every process.
    from cryptography.fernet import Fernet, MultiFernet

    if not settings.FERNET_KEYS:
        raise ImproperlyConfigured(
            f"no encryption key: set STEWARD_ENCRYPTION_KEY, or run `python manage.py migrate` once "
            f"to create {settings.DATA_DIR}/fernet.key"
        )
    return MultiFernet([Fernet(key.encode()) for key in settings.FERNET_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with STEWARD_ENCRYPTION_KEY: the key changed. "
            "Put the old key after the new one (comma-separated) to rotate."
        ) from None


class EncryptedTextField(models.TextField[str, str]):
    """A string stored encrypted; empty stays empty (so 'no token' needs no key)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        return encrypt(str(value)) if value else ""


class EncryptedJSONField(models.TextField[dict[str, Any], dict[str, Any]]):
    """A dict of secret values stored as one encrypted JSON document."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict[str, Any]:
        return json.loads(decrypt(value)) if value else {}

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        return json.loads(value) if value else {}

    def get_prep_value(self, value: Any) -> str:
        return encrypt(json.dumps(value, sort_keys=True)) if value else ""
