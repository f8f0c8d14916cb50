"""``email.home`` for the fault tests: one Dovecot mailbox, one deterministic rule that archives
every message (these tests are about processes and IMAP, not the LLM)."""

from __future__ import annotations

from typing import Any

from orchestrator.models import Integration, PlatformConfig
from tests.email.dovecot import PASSWORD

ARCHIVE_ALL = [{"name": "file", "when": {"domain": "example.org"}, "then": "archive"}]


def archiving_integration(mailbox_settings: dict[str, Any]) -> Integration:
    """``email.home`` reading the mailbox at *mailbox_settings*, archiving whatever it finds."""
    integration = Integration.objects.create(
        type="email", name="home", settings=mailbox_settings, secrets={"password": PASSWORD}
    )
    config = PlatformConfig(
        integration=integration,
        name="inbox",
        options={"limit": 500},
        classifications={},
        automations=ARCHIVE_ALL,
    )
    config.full_clean()
    config.save()
    return integration
