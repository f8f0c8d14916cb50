"""Reading a fixture email (tests/fixtures/email) into the few fields an LLM prompt needs.

Used by the LLM tests and bench/llm.py.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path


def email_fields(path: Path) -> dict[str, str]:
    """Subject, sender and body text of a fixture message, just enough for a prompt."""
    data = path.read_bytes()
    if data.startswith(b"From "):
        data = data.split(b"\n", 1)[1]
    message = email.message_from_bytes(data, policy=policy.default)
    body_part = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    try:
        body = body_part.get_content() if body_part is not None else ""
    except (LookupError, ValueError):
        body = ""
    if body_part is not None and body_part.get_content_subtype() == "html":
        body = re.sub(r"<[^>]+>", " ", body)
    return {"subject": str(message.get("subject", "")), "from": str(message.get("from", "")), "body": body}
