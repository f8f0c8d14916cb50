"""One chat turn, run by the ``chat.turn`` task on the cluster's reserved worker (priority 1).

Build the context, ask the chat LLM (structured ``{reply, proposal?}`` when something is
proposable, plain text otherwise), store the reply and — if the proposal passes every check — a
confirmation card. The LLM's output is untrusted: a proposal naming an unknown action or invalid
parameters is dropped (and logged), the reply still shown; a model that ignores the schema still
works (its text is the reply).

When the turn cannot produce a reply (the LLM is down after the queue's retries, the output is
unusable), a system message in the conversation says so and the task fails. The user's message
is never touched.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from chat import push
from chat.context import turn_context, turn_schema
from chat.llm_seam import chat_llm
from chat.models import Conversation, Message
from chat.proposables import InvalidProposal, Proposable, proposable_services, proposal_check
from chat.proposals import proposal_create
from chat.store import message_store, notice_store
from orchestrator.llm import LLMError, StructuredOutputError
from orchestrator.models import ChatSettings, Task

logger = logging.getLogger(__name__)

DEFAULT_PROFILE = "default"  # used while ChatSettings names no profile
REPLY_MAX_CHARS = 20_000


class UnusableReply(ValueError):
    """The model answered, but with nothing that can be shown."""


class TurnFailed(Exception):
    """The turn gave up; the conversation already has a system message saying why."""

    permanent = True


@dataclass(frozen=True)
class TurnOutput:
    reply: str
    proposal: Any = None  # the raw, unchecked proposal object


def output_parse(raw: str | dict[str, Any]) -> TurnOutput:
    """The model's answer as reply + proposal; plain text (not a JSON object) is the reply."""
    if isinstance(raw, str):
        text = raw.strip()
        try:
            value = json.loads(text) if text.startswith("{") else None
        except json.JSONDecodeError:
            value = None
        if value is None:
            if not text:
                raise UnusableReply("the model returned an empty reply")
            return TurnOutput(text[:REPLY_MAX_CHARS])
        raw = value
    if not isinstance(raw, dict) or not isinstance(raw.get("reply", ""), str):
        raise UnusableReply("the model's JSON has no text reply")
    reply = str(raw.get("reply", "")).strip()
    proposal = raw.get("proposal")
    if not reply and proposal is None:
        raise UnusableReply("the model returned an empty reply")
    return TurnOutput(reply[:REPLY_MAX_CHARS], proposal)


def _ask(messages: list[dict[str, str]], proposables: dict[str, Proposable]) -> str | dict[str, Any]:
    settings_row = ChatSettings.load()
    profile: Any = settings_row.llm or DEFAULT_PROFILE
    schema = turn_schema(proposables) if proposables else None
    try:
        return chat_llm()(profile, messages, priority=1, schema=schema)
    except StructuredOutputError as exc:
        # A model that will not produce the JSON still answered: its last text is the reply.
        logger.info("chat model ignored the reply schema; using its text: %s", exc)
        if exc.raw_replies and exc.raw_replies[-1].strip():
            return exc.raw_replies[-1]
        raise


def _system_notice(conversation_id: str, task: Task, text: str) -> Message:
    return notice_store(conversation_id, text, metadata={"error": True}, stored_by_task=task.uid)


def _fail(conversation_id: str, task: Task, reason: str) -> TurnFailed:
    _system_notice(conversation_id, task, f"The assistant could not reply: {reason}. Your message is kept.")
    return TurnFailed(reason)


def _store(
    conversation_id: str, task: Task, output: TurnOutput, proposables: dict[str, Proposable]
) -> list[int]:
    proposal = None
    if output.proposal is not None:
        try:
            proposal = proposal_check(output.proposal, proposables)
        except InvalidProposal as exc:
            logger.warning("chat turn %s: proposal dropped: %s", task.uid, exc)
    stored = []
    with transaction.atomic():
        if output.reply:
            reply = message_store(
                conversation_id=conversation_id,
                role=Message.Role.ASSISTANT,
                type=Message.Type.CHAT,
                content=output.reply,
                stored_by_task=task.uid,
            )
            stored.append(reply.id)
        if proposal is not None:
            card = proposal_create(conversation_id=conversation_id, proposal=proposal, task_uid=task.uid)
            stored.append(card.id)
    return stored


def turn_run(task: Task) -> dict[str, Any]:
    """Answer the user message ``payload["message_id"]`` of ``payload["conversation_id"]``."""
    conversation_id = str(task.payload.get("conversation_id", ""))
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    answering = Message.objects.filter(pk=task.payload.get("message_id"), conversation=conversation).first()
    if conversation is None or answering is None:
        return {"skipped": "the conversation or message no longer exists"}
    if answering.id <= conversation.cleared_through:
        return {"skipped": "the conversation was cleared after this message"}
    already = list(Message.objects.filter(stored_by_task=task.uid).values_list("id", flat=True))
    if already:  # a retry after the reply was stored (e.g. the worker died right after)
        return {"messages": already}
    push.wake_now(conversation_id)  # "running": the page shows thinking… at once
    proposables = proposable_services()
    messages = turn_context(
        conversation=conversation,
        answering=answering,
        system_prompt=ChatSettings.load().system_prompt,
        proposables=proposables,
    )
    final_attempt = task.attempts >= task.max_attempts
    try:
        output = output_parse(_ask(messages, proposables))
    except UnusableReply as exc:
        raise _fail(conversation_id, task, str(exc)) from exc
    except LLMError as exc:
        if exc.permanent or final_attempt:
            raise _fail(conversation_id, task, f"{type(exc).__name__}: {exc}") from exc
        raise  # transient: the queue retries with backoff; the page keeps "thinking…"
    except Exception as exc:
        raise _fail(conversation_id, task, f"internal error ({type(exc).__name__})") from exc
    return {"messages": _store(conversation_id, task, output, proposables)}
