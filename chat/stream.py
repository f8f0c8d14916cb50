"""What a chat websocket sends, read from the database (synchronous; the consumer calls it in a thread).

A :class:`Stream` remembers the last message id it sent and the tasks it is following. Each
:func:`stream_collect` returns the frames for what happened since: every newly stored message in
id order (storage order, see :mod:`chat.store`), then a task frame for each followed task whose
status changed. A task is followed from the message that queued it (the user's message queues its
chat turn, an approval's "Processing…" its service run) until it finishes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chat.models import Message
from chat.selectors import conversation_get, last_message_id, messages_after
from chat.wire import message_out
from orchestrator.models import Task

Frame = dict[str, Any]
OPEN = (Task.Status.PENDING, Task.Status.RUNNING)
RECENT_TASKS = 50  # a (re)connecting socket looks this far back for tasks still open
BATCH = 500


@dataclass
class Stream:
    conversation_id: str
    last_message_id: int
    tasks: dict[str, str] = field(default_factory=dict)  # followed task uid → last status sent


def message_frame(message: Message) -> Frame:
    return {"type": "message", "message": message_out(message)}


def task_frame(task_uid: str, status: str) -> Frame:
    return {"type": "task", "task_id": task_uid, "status": status}


def error_frame(status: int, detail: str) -> Frame:
    return {"type": "error", "status": status, "detail": detail}


def _new_messages(stream: Stream, *, follow: bool = True) -> list[Frame]:
    frames: list[Frame] = []
    while True:
        batch = messages_after(stream.conversation_id, stream.last_message_id, limit=BATCH)
        for message in batch:
            frames.append(message_frame(message))
            stream.last_message_id = message.id
            if follow and message.queued_task and message.queued_task not in stream.tasks:
                stream.tasks[message.queued_task] = ""
        if len(batch) < BATCH:
            return frames


def _task_changes(stream: Stream) -> list[tuple[str, str]]:
    if not stream.tasks:
        return []
    statuses = dict(Task.objects.filter(uid__in=list(stream.tasks)).values_list("uid", "status"))
    changes = []
    for uid, sent in list(stream.tasks.items()):
        status = statuses.get(uid)
        if status is None:  # pruned from the queue's history: nothing more to report
            del stream.tasks[uid]
            continue
        if status != sent:
            changes.append((uid, status))
            stream.tasks[uid] = status
        if status not in OPEN:
            del stream.tasks[uid]
    return changes


def stream_collect(stream: Stream) -> list[Frame]:
    """Frames for everything since the last call. A task's ``done`` is never sent before the
    messages it stored: messages are read again after any status change (a task stores its
    messages before it is marked finished)."""
    frames = _new_messages(stream)
    changes = _task_changes(stream)
    if changes:
        frames += _new_messages(stream)
        frames += [task_frame(uid, status) for uid, status in changes]
    return frames


def stream_open(conversation_id: str, after: int | None) -> tuple[Stream, list[Frame]]:
    """Start streaming a conversation (404 :class:`~chat.errors.ChatError` when unknown).

    Without *after* only what is stored from now on is sent; with it, the messages after that id
    are replayed first — from the last ``/clear`` marker at the earliest, so a client that missed
    a clear learns of it. Tasks still open in the visible conversation are reported either way.
    """
    conversation = conversation_get(conversation_id)
    replay: list[Frame] = []
    if after is None:
        stream = Stream(conversation_id, last_message_id(conversation_id))
    else:
        stream = Stream(conversation_id, max(after, conversation.cleared_through - 1, 0))
        replay = _new_messages(stream, follow=False)  # finished tasks of the past are not news
    recent_tasks = (
        Message.objects.filter(conversation=conversation, id__gt=conversation.cleared_through)
        .exclude(queued_task="")
        .order_by("-id")
        .values_list("queued_task", flat=True)[:RECENT_TASKS]
    )
    for uid in Task.objects.filter(uid__in=list(recent_tasks), status__in=OPEN).values_list("uid", flat=True):
        stream.tasks[uid] = ""
    return stream, replay + stream_collect(stream)
