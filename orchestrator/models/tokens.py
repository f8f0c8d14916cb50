"""API tokens: shown once at creation, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "stw_"  # noqa: S105 - a prefix, not a secret


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a plain hash (no slow KDF) cannot be brute-forced.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, name: str) -> tuple[ApiToken, str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(name=name, token_hash=hash_token(raw)), raw

    @classmethod
    def authenticate(cls, raw: str) -> ApiToken | None:
        token = cls.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True).first()
        if token is not None:
            cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token
