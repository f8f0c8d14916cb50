"""A scripted chat model that proposes ``github.work.create_issue`` (``STEWARD_CHAT_LLM``).

It records the messages it was given in :data:`SEEN`, so a test can check what the chat LLM was told
(the configured repositories and their context texts)."""

from __future__ import annotations

from typing import Any

SEEN: list[list[dict[str, str]]] = []
ISSUE = {
    "repo": "octo-org/web",
    "title": "Login button misaligned in Safari",
    "body": "Browser: Safari 17. Component: LoginForm.",
}


def propose_issue(
    profile: Any, messages: list[dict[str, str]], *, priority: int = 1, schema: dict[str, Any] | None = None
) -> str | dict[str, Any]:
    SEEN.append(messages)
    if schema is None:
        return "No proposals are possible."
    return {
        "reply": "I can file that for you.",
        "proposal": {
            "action": "github.work.create_issue",
            "parameters": ISSUE,
            "description": "File the bug",
        },
    }
