"""The fixture emails (tests/fixtures/email) as the LLM tests and bench/llm.py use them: the few fields
a prompt needs, and the questions asked about them.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path
from typing import Any

from orchestrator.rules.classifications import normalise_classifications, reply_schema

# Two of the email defaults' questions, in the words of the LLM tests (the first differs per test).
REQUIRES_RESPONSE = {"prompt": "does this email require a response?", "type": "boolean"}
PRIORITY = {
    "prompt": "what is the priority of this email?",
    "type": "enum",
    "values": ["low", "medium", "high", "critical"],
}


def questions_schema(questions: dict[str, Any]) -> dict[str, Any]:
    """The reply schema the pipeline builds for *questions*, written as a platform configures them."""
    return reply_schema(normalise_classifications(questions))


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
