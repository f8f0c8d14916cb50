"""Slash commands: answered at once, without the LLM (docs/CHAT.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chat.models import Message
from chat.store import message_store

CLEARED = "Conversation cleared."


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[str], Message]  # conversation id → the stored reply


def is_command(content: str) -> bool:
    """The first token of the stripped text starts with ``/`` (case-sensitive)."""
    return content.strip().startswith("/")


def _reply(conversation_id: str, command: str, content: str) -> Message:
    return message_store(
        conversation_id=conversation_id,
        role=Message.Role.SYSTEM,
        type=Message.Type.COMMAND,
        content=content,
        metadata={"command": command},
    )


def clear(conversation_id: str) -> Message:
    # The marker doubles as the reply: history, context and counts restart after it.
    return message_store(
        conversation_id=conversation_id,
        role=Message.Role.SYSTEM,
        type=Message.Type.CLEAR,
        content=CLEARED,
        metadata={"command": "/clear"},
    )


def show_help(conversation_id: str) -> Message:
    lines = ["Available commands:", *(f"{c.name} — {c.help}" for c in COMMANDS.values())]
    lines.append("Anything else is sent to the assistant.")
    return _reply(conversation_id, "/help", "\n".join(lines))


COMMANDS: dict[str, Command] = {
    "/clear": Command("/clear", "start over: earlier messages leave the history and the context", clear),
    "/help": Command("/help", "list the commands", show_help),
}


def command_run(conversation_id: str, content: str) -> Message:
    """Store the user's command line and the reply; returns the reply."""
    line = content.strip()
    name = line.split(maxsplit=1)[0]
    message_store(
        conversation_id=conversation_id, role=Message.Role.USER, type=Message.Type.COMMAND, content=line
    )
    command = COMMANDS.get(name)
    if command is None:
        available = ", ".join(COMMANDS)
        return _reply(conversation_id, name, f"Unknown command: {name}. Available commands: {available}")
    return command.run(conversation_id)
