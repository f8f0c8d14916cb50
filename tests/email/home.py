"""``email.home``: the email integration the end-to-end tests run on a harness's mailbox, with the fake
classifier behind its LLM profile, and the messages they seed it with."""

from __future__ import annotations

from typing import Any

from orchestrator.models import Integration, LLMProfile, PlatformConfig
from orchestrator.running.triggers import integration_trigger
from tests.email.harness import Harness
from tests.pipeline.driving import FAKE_CLASSIFIER, drain

TRUSTED = "mx.home.example"  # the receiving server whose Authentication-Results header counts


def message(
    mid: str, sender: str, subject: str, *, auth: str = "pass", extra: str = "", body: str = "Hi."
) -> bytes:
    """A mail received through ``TRUSTED``: passing SPF/DKIM/DMARC, or failing them with ``auth="fail"``."""
    result = "fail" if auth == "fail" else "pass"
    return (
        f"Authentication-Results: {TRUSTED}; spf={result}; dkim={result}; dmarc={result}\r\n"
        f"Received: from mx.sender.example by {TRUSTED}; Tue, 4 Mar 2025 10:00:00 +0000\r\n"
        f"From: {sender}\r\nTo: me@home.example\r\nSubject: {subject}\r\n"
        f"Date: Tue, 4 Mar 2025 09:59:00 +0000\r\nMessage-ID: {mid}\r\n{extra}\r\n{body}\r\n"
    ).encode()


def home_integration(
    harness: Harness,
    settings: Any,
    *,
    automations: list[Any],
    classifications: Any = None,
    trusted: bool = True,
) -> Integration:
    """``email.home`` on *harness*'s mailbox; the inbox rules are saved through model validation, as the
    admin and import_config do. *trusted*: believe the Authentication-Results ``TRUSTED`` writes."""
    settings.STEWARD_CLASSIFIER = FAKE_CLASSIFIER  # confidences 0.9, enums their first value
    profile = LLMProfile.objects.create(name="default", base_url="http://127.0.0.1:9", model="fake-model")
    integration = Integration.objects.create(
        type="email",
        name="home",
        llm=profile,
        settings={**harness.settings, "trusted_authserv_id": TRUSTED} if trusted else harness.settings,
        secrets=harness.secrets,
    )
    config = PlatformConfig(
        integration=integration, name="inbox", classifications=classifications, automations=automations
    )
    config.full_clean()
    config.save()
    return integration


def run_home() -> None:
    """Trigger ``email.home`` and run every task it leads to, here."""
    integration_trigger("email.home")
    drain()
