"""A scripted, instant chat model for tests and benchmarks (``STEWARD_CHAT_LLM``).

Same signature as :func:`orchestrator.llm.chat`. It answers the last paragraph of the last user
message:

* ``propose <text>`` — proposes ``dummy.one.echo`` with ``{"text": <text>}`` (when a schema is
  given, i.e. something is proposable; otherwise it just echoes);
* ``propose-unknown`` / ``propose-invalid`` — proposes an unknown action / invalid parameters;
* ``plain <text>`` — plain text even when a schema is given (a model that ignores it);
* ``garbage`` — a JSON object without a reply; ``empty`` — nothing at all;
* ``llm-down`` — raises :class:`LLMUnavailable`; ``slow`` — answers after a second;
* anything else — ``echo: <text>``.

Every call is appended to ``$STEWARD_DATA_DIR/chat_llm_calls.jsonl`` (messages, schema), so tests
can see the context a turn was given, whichever process ran it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from orchestrator.llm import LLMUnavailable


def calls_path() -> Path:
    return Path(settings.DATA_DIR) / "chat_llm_calls.jsonl"


def read_calls() -> list[dict[str, Any]]:
    path = calls_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _record(messages: list[dict[str, str]], schema: dict[str, Any] | None) -> None:
    with calls_path().open("a") as handle:
        handle.write(json.dumps({"messages": messages, "schema": schema}) + "\n")


def _proposal(action: str, parameters: dict[str, Any], description: str) -> dict[str, Any]:
    return {"action": action, "parameters": parameters, "description": description}


def scripted_chat(
    profile: Any,
    messages: list[dict[str, str]],
    *,
    priority: int = 1,
    schema: dict[str, Any] | None = None,
) -> str | dict[str, Any]:
    _record(messages, schema)
    last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    text = last.split("\n\n")[-1].strip()
    word, _, rest = text.partition(" ")
    if word == "llm-down":
        raise LLMUnavailable("connection refused (scripted)")
    if word == "garbage":
        return '{"unexpected": true}'
    if word == "empty":
        return ""
    if word == "plain":
        return f"plain: {rest}"
    if word == "slow":
        time.sleep(1.0)
    if schema is None:
        return f"echo: {text}"
    if word == "propose":
        return {
            "reply": f"I can echo {rest!r} for you.",
            "proposal": _proposal("dummy.one.echo", {"text": rest}, f"Echo '{rest}'"),
        }
    if word == "propose-unknown":
        return {"reply": "Let me do that.", "proposal": _proposal("dummy.one.nope", {}, "Do something")}
    if word == "propose-invalid":
        return {"reply": "Let me do that.", "proposal": _proposal("dummy.one.echo", {"text": 5}, "Echo 5")}
    return {"reply": f"echo: {text}"}
