"""API tokens: shown once at creation, stored as a SHA-256 hash, revocable.

A token acts for its ``user`` and carries that user's permissions; a token without one (made
before tokens had owners, or by ``create_api_token`` without ``--user``) acts for the owner, the
first active superuser. A read-only token is refused every state-changing request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "stw_"  # noqa: S105 - a prefix, not a secret
LAST_USED_GRAIN = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a plain hash (no slow KDF) cannot be brute-forced.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="Whose permissions the token carries; empty: the first active superuser",
    )
    read_only = models.BooleanField(
        default=False, help_text="Only GET requests: the token can look but never change anything"
    )

    class Meta:
        verbose_name = "API token"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, name: str, *, user: Any = None, read_only: bool = False) -> tuple[ApiToken, str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(name=name, token_hash=hash_token(raw), user=user, read_only=read_only)
        return token, raw

    def acting_user(self) -> Any:
        """The active user this token acts for, or None (the user is gone or deactivated)."""
        if self.user_id is None:
            return get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        user = self.user
        return user if user is not None and user.is_active else None

    @classmethod
    def authenticate(cls, raw: str) -> ApiToken | None:
        token = cls.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True).first()
        now = timezone.now()
        # "Last used" to the minute: a write on every request would take SQLite's write lock on
        # each GET and queue behind the workers.
        if token is not None and (token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRAIN):
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token
