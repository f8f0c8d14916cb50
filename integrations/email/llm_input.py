"""The classification input stored at collect (``Item.llm_input``).

Each field is cleaned with the LLM layer's untrusted-content rules (:func:`framing.prepare`:
marker look-alikes removed, code fences neutralised, explicit truncation); the classify stage
then wraps the whole text in fresh salted ``BEGIN/END UNTRUSTED`` markers for each prompt, so no
salt is ever stored or reused.
"""

from __future__ import annotations

from typing import Any

from orchestrator.llm.framing import EMAIL_BODY_LIMIT, SHORT_FIELD_LIMIT, prepare


def build_llm_input(snapshot: dict[str, Any], body: str) -> str:
    """From/name/to/subject/date/body of one message, as the classifier reads it."""
    recipients = ", ".join(snapshot.get("to_addresses") or [])
    lines = [
        f"From: {prepare(snapshot.get('from_address') or '', SHORT_FIELD_LIMIT)}",
        f"Name: {prepare(snapshot.get('from_name') or '', SHORT_FIELD_LIMIT)}",
        f"To: {prepare(recipients, SHORT_FIELD_LIMIT)}",
        f"Subject: {prepare(snapshot.get('subject') or '', SHORT_FIELD_LIMIT)}",
        f"Date: {snapshot.get('received_at') or ''}",
        "Body:",
        prepare(body, EMAIL_BODY_LIMIT),
    ]
    return "\n".join(lines)
