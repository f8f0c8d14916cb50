"""``/api/chat``: conversations, messages, proposals and turn polling (docs/API.md).

Thin endpoints: parse, call one service or selector, shape the answer. Refusals are
:class:`~chat.errors.ChatError`, which the API answers as ``{"detail": ...}`` with their status
(:mod:`orchestrator.api.errors`).
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from chat.proposals import proposal_answer
from chat.selectors import conversation_history, conversation_list, messages_stored_by
from chat.store import conversation_create
from chat.submit import message_submit
from chat.wire import message_out
from orchestrator.api.errors import BODY, BodyIn, NonBlankText, Text, responses
from orchestrator.models import Approval, Task
from orchestrator.security.permissions import api_permission, require_approval_answer

router = Router(tags=["chat"])


class MessageOut(Schema):
    id: int
    role: str
    content: str
    type: str
    timestamp: str
    metadata: dict[str, Any] | None


class ConversationOut(Schema):
    id: str
    title: str
    message_count: int
    created_at: str
    last_activity: str


class ConversationsOut(Schema):
    conversations: list[ConversationOut]


class ConversationCreated(Schema):
    conversation_id: str


class HistoryOut(Schema):
    conversation_id: str
    messages: list[MessageOut]


class MessageIn(BodyIn):
    content: NonBlankText  # at most 32768 bytes of UTF-8 (413 beyond)


class CommandReply(Schema):
    type: Literal["command"]
    message: MessageOut


class TurnQueued(Schema):
    type: Literal["chat"]
    task_id: str


class AnswerIn(BodyIn):
    option: Text


class AnswerOut(Schema):
    message: MessageOut
    task_id: str | None = None  # only when approving queued the service


class TurnStatus(Schema):
    status: Literal["pending", "done", "failed"]
    messages: list[MessageOut] | None = None  # only once finished


@router.get("/conversations", response=responses(ConversationsOut), summary="List conversations")
@api_permission("use_chat")
def conversations_get(request: HttpRequest) -> dict[str, Any]:
    return {"conversations": conversation_list()}


@router.post("/conversations", response=responses(ConversationCreated), summary="Create a conversation")
@api_permission("use_chat")
def conversations_post(request: HttpRequest) -> dict[str, Any]:
    return {"conversation_id": conversation_create().id}


@router.get(
    "/conversations/{conversation_id}/history",
    response=responses(HistoryOut, 404),
    summary="Messages since the last /clear",
)
@api_permission("use_chat")
def history_get(request: HttpRequest, conversation_id: str) -> dict[str, Any]:
    return conversation_history(conversation_id)


@router.post(
    "/conversations/{conversation_id}/messages",
    response=responses(CommandReply | TurnQueued, 404, *BODY),
    summary="Send a message (commands are answered at once, anything else queues a chat turn)",
)
@api_permission("use_chat")
def messages_post(request: HttpRequest, conversation_id: str, body: MessageIn) -> dict[str, Any]:
    submitted = message_submit(conversation_id=conversation_id, content=body.content)
    if submitted.is_command:
        return {"type": "command", "message": message_out(submitted.message)}
    return {"type": "chat", "task_id": submitted.task_uid}


@router.post(
    "/conversations/{conversation_id}/proposals/{id:proposal_id}",
    response=responses(AnswerOut, 400, 404, 409, *BODY),
    exclude_unset=True,
    summary="Approve or reject a proposal",
)
@api_permission("use_chat")
def proposal_post(
    request: HttpRequest, conversation_id: str, proposal_id: int, body: AnswerIn
) -> dict[str, Any]:
    action = Approval.objects.filter(pk=proposal_id).values_list("action", flat=True).first()
    if action is not None:  # an unknown proposal is the service's 404
        require_approval_answer(request.user, action=action, option=body.option)
    answered = proposal_answer(
        conversation_id=conversation_id, proposal_id=str(proposal_id), option=body.option
    )
    out: dict[str, Any] = {"message": message_out(answered.message)}
    if answered.task_uid:
        out["task_id"] = answered.task_uid
    return out


@router.get(
    "/tasks/{task_id}",
    response=responses(TurnStatus, 404),
    exclude_unset=True,
    summary="Poll a task: pending, or finished with the messages it stored (read-only)",
)
@api_permission("use_chat")
def task_get(request: HttpRequest, task_id: str) -> dict[str, Any]:
    status = Task.objects.filter(uid=task_id).values_list("status", flat=True).first()
    if status is None:
        raise HttpError(404, f"Task '{task_id}' not found")
    if status in (Task.Status.PENDING, Task.Status.RUNNING):
        return {"status": "pending"}
    return {"status": status, "messages": messages_stored_by(task_id)}
