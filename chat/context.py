"""What the chat LLM sees for one turn (docs/CHAT.md).

The system prompt (plus, when proposable services exist, what it may propose and how to answer),
then the conversation since the last ``/clear`` up to the message being answered — user and
assistant chat, and what became of earlier proposals — trimmed from the oldest end to a token
budget. The message being answered is always kept.
"""

from __future__ import annotations

import json
from typing import Any

from chat.models import Conversation, Message
from chat.proposables import Proposable
from chat.wire import card_status

# Tokens for system prompt + history; the embedded model's window is 8192 and a reply takes 1024.
CONTEXT_TOKEN_BUDGET = 6_000
CHARS_PER_TOKEN = 4  # a cheap, conservative estimate: no tokenizer in the web/worker process
PER_MESSAGE_TOKENS = 4
TRUNCATED = "\n(truncated)"

LLMMessage = dict[str, str]


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + PER_MESSAGE_TOKENS


def proposal_instructions(proposables: dict[str, Proposable]) -> str:
    lines = [
        "You can propose an action for the person to approve. They see it as a card with buttons; "
        "it runs only if they approve. Propose only when they ask for something an action below "
        "does, and at most one per answer; otherwise just reply.",
        'Answer with a JSON object: {"reply": "<your answer>", "proposal": {"action": "<action id>", '
        '"parameters": {...}, "description": "<one sentence saying what will happen>"}}. '
        'Leave out "proposal" when you propose nothing.',
        "Actions:",
    ]
    for proposable in proposables.values():
        schema = json.dumps(proposable.service.input_schema, separators=(",", ":"))
        line = f"- {proposable.instance_id}: parameters must match the JSON schema {schema}."
        if proposable.chat.guidance:
            line += f" {proposable.chat.guidance}"
        if proposable.context:
            line += f" {proposable.context}"
        lines.append(line)
    return "\n".join(lines)


def action_names(proposables: dict[str, Proposable]) -> list[str]:
    """Instance ids, plus ``<type>.<service>`` where only one instance of it exists."""
    short = [f"{p.type_name}.{p.service.name}" for p in proposables.values()]
    return sorted(proposables) + sorted(name for name in set(short) if short.count(name) == 1)


def turn_schema(proposables: dict[str, Proposable]) -> dict[str, Any]:
    """``{"reply": str, "proposal"?: {"action", "parameters", "description"}}``."""
    return {
        "type": "object",
        "properties": {
            "reply": {"type": "string"},
            "proposal": {
                "type": "object",
                "properties": {
                    "action": {"type": "string", "enum": action_names(proposables)},
                    "parameters": {"type": "object"},
                    "description": {"type": "string"},
                },
                "required": ["action", "parameters", "description"],
                "additionalProperties": False,
            },
        },
        "required": ["reply"],
        "additionalProperties": False,
    }


def _proposal_note(message: Message) -> str:
    card = message.metadata if isinstance(message.metadata, dict) else {}
    parameters = json.dumps(card.get("parameters", {}), ensure_ascii=False)
    status = card_status(message) or card.get("status", "pending")
    return f"[I proposed {card.get('action')} with {parameters} ({message.content}); status: {status}]"


def _result_note(message: Message) -> str:
    meta = message.metadata if isinstance(message.metadata, dict) else {}
    return f"[Result of {meta.get('action')} ({meta.get('status')}): {message.content}]"


def as_llm_message(message: Message) -> LLMMessage | None:
    """One stored message as the model sees it, or None for what is not conversation."""
    if message.type == Message.Type.CHAT:
        return {"role": message.role, "content": message.content}
    if message.type == Message.Type.CONFIRMATION:
        return {"role": "assistant", "content": _proposal_note(message)}
    is_result = isinstance(message.metadata, dict) and message.metadata.get("action")
    if message.type == Message.Type.SYSTEM and is_result:
        return {"role": "assistant", "content": _result_note(message)}
    return None  # commands, responses, "Processing…", failure notices


def _merged(messages: list[LLMMessage]) -> list[LLMMessage]:
    """Consecutive messages of one role joined: some chat templates require alternating roles."""
    merged: list[LLMMessage] = []
    for message in messages:
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {**merged[-1], "content": f"{merged[-1]['content']}\n\n{message['content']}"}
        else:
            merged.append(dict(message))
    return merged


def _fit(system: LLMMessage, history: list[LLMMessage], budget: int) -> list[LLMMessage]:
    left = budget - estimate_tokens(system["content"])
    kept: list[LLMMessage] = []
    for message in reversed(history):
        cost = estimate_tokens(message["content"])
        if cost > left:
            if not kept:  # the message being answered: keep its start
                room = max(left - PER_MESSAGE_TOKENS, 0) * CHARS_PER_TOKEN
                kept.append({**message, "content": message["content"][:room] + TRUNCATED})
            break
        kept.append(message)
        left -= cost
    return [system, *reversed(kept)]


def turn_context(
    *,
    conversation: Conversation,
    answering: Message,
    system_prompt: str,
    proposables: dict[str, Proposable],
    budget: int = CONTEXT_TOKEN_BUDGET,
) -> list[LLMMessage]:
    system = system_prompt.strip() or "You are a helpful assistant."
    if proposables:
        system = f"{system}\n\n{proposal_instructions(proposables)}"
    stored = (
        conversation.messages.filter(id__gt=conversation.cleared_through, id__lte=answering.id)
        .select_related("approval")
        .order_by("id")
    )
    history = [m for m in (as_llm_message(s) for s in stored) if m is not None]
    return _fit({"role": "system", "content": system}, _merged(history), budget)
