"""Reply drafts: a threaded ``Re:`` message for the person to review and send themselves.

Steward never sends mail. ``draft_reply`` puts a draft in the Drafts folder addressed to the
original's ``Reply-To`` (or ``From``), with ``In-Reply-To``/``References`` so mail clients thread
it, and an ``X-Steward-Reply-To`` header so a retry can tell the draft already exists.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from integrations.base import IntegrationError
from integrations.email.parsing import REPLY_PREFIXES, subject_prefixes

MARKER_HEADER = "X-Steward-Reply-To"
MAX_REFERENCES = 20  # keep the header short; the last ones matter for threading


def reply_subject(subject: str) -> str:
    prefixes = subject_prefixes(subject or "")
    if prefixes and prefixes[0] in REPLY_PREFIXES:
        return subject
    return f"Re: {subject}".rstrip() if subject else "Re:"


def build_reply(snapshot: dict[str, Any], text: str, *, sender: str | None) -> EmailMessage:
    """The draft for replying to the message in *snapshot* with *text*."""
    recipients = snapshot.get("reply_to") or (
        [snapshot["from_address"]] if snapshot.get("from_address") else []
    )
    if not recipients:
        raise IntegrationError(
            "cannot draft a reply: the message has no From or Reply-To address", permanent=True
        )
    original_id = snapshot.get("message_id")
    draft = EmailMessage(policy=SMTP)
    if sender:
        draft["From"] = sender
    draft["To"] = ", ".join(recipients)
    draft["Subject"] = reply_subject(snapshot.get("subject") or "")
    draft["Date"] = format_datetime(_now())
    domain = sender.rsplit("@", 1)[1] if sender and "@" in sender else "steward.invalid"
    draft["Message-ID"] = make_msgid(domain=domain)
    if original_id:
        references = [*(snapshot.get("references") or []), original_id][-MAX_REFERENCES:]
        draft["In-Reply-To"] = original_id
        draft["References"] = " ".join(references)
        draft[MARKER_HEADER] = original_id
    draft.set_content(text if text.endswith("\n") else text + "\n")
    return draft


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
