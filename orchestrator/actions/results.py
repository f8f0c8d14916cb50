"""Routing a service's markdown result (``on_result``): a note, the audit log, or a chat reply.

The chat app registers the ``chat_reply`` route when it is ready
(``result_route_register("chat_reply", func)``); until then, or for a call with no conversation, a
chat reply falls back to a note and the operational log says so. A registered route is also told
about failures of calls that came from a conversation (``ServiceResult.ok`` false).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orchestrator.actions.notes import note_create
from orchestrator.audit import audit
from orchestrator.models import Item, Task
from orchestrator.rules.result_routes import result_routes

logger = logging.getLogger(__name__)

AUDIT_RESULT_LIMIT = 4000


@dataclass(frozen=True)
class ServiceResult:
    instance_id: str
    title: str  # the audit line: human_log or the service's template
    text: str = ""  # markdown; empty on failure
    ok: bool = True
    error: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    item: Item | None = None
    conversation_id: str = ""
    task: Task | None = None
    integration_id: str = ""


ResultRoute = Callable[[ServiceResult], None]
_routes: dict[str, ResultRoute] = {}


def result_route_register(name: str, route: ResultRoute) -> None:
    """Let another app deliver results (``chat_reply``: store and push into the conversation)."""
    _routes[name] = route


def _note(result: ServiceResult, folder: str) -> dict[str, Any]:
    metadata = {"service": result.instance_id, "inputs": result.inputs}
    if result.task is not None:
        metadata["task_id"] = result.task.uid
    if result.item is not None:
        metadata["item"] = result.item.key
    note = note_create(
        title=result.title,
        body=result.text,
        source=result.instance_id,
        metadata=metadata,
        folder=folder,
        item=result.item,
    )
    return {"type": "note", "note_id": note.pk, "path": note.path}


def _audit(result: ServiceResult) -> dict[str, Any]:
    text = result.text if len(result.text) <= AUDIT_RESULT_LIMIT else result.text[:AUDIT_RESULT_LIMIT] + " …"
    audit(
        f"{result.title}: {text}",
        integration_id=result.integration_id,
        item_key=result.item.key if result.item else "",
        action=result.instance_id,
    )
    return {"type": "audit"}


def _chat_reply(result: ServiceResult, route: dict[str, Any]) -> dict[str, Any]:
    deliver = _routes.get("chat_reply")
    if deliver is None or not result.conversation_id:
        why = "no chat route is registered" if deliver is None else "the call has no conversation"
        logger.warning("result of %s routed to a note instead of chat: %s", result.instance_id, why)
        return {**_note(result, route.get("path") or ""), "fallback_from": "chat_reply"}
    deliver(result)
    return {"type": "chat_reply", "conversation_id": result.conversation_id}


def result_deliver(result: ServiceResult, on_result: Any) -> list[dict[str, Any]]:
    """Send a successful result along every configured route; returns what each route did."""
    delivered = []
    for route in result_routes(on_result):
        if route["type"] == "audit":
            delivered.append(_audit(result))
        elif route["type"] == "chat_reply":
            delivered.append(_chat_reply(result, route))
        else:
            delivered.append(_note(result, route["path"]))
    return delivered


def result_failure_notify(result: ServiceResult) -> None:
    """Tell the conversation a call from chat failed (when the chat route is registered)."""
    deliver = _routes.get("chat_reply")
    if deliver is not None and result.conversation_id:
        deliver(result)
