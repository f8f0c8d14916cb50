"""Permissions in exposed mode: every route, the websocket and the chat page ask for their own.

A staff login is not enough: each route names the permission it needs (docs/SECURITY.md), API
tokens carry their user's permissions, read-only tokens only read, and approving a script takes a
superuser. Local mode stays open (tests/security/test_local_mode.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from chat.store import conversation_create
from orchestrator.asgi import application
from orchestrator.models import ApiToken, Approval, Task

pytestmark = pytest.mark.django_db

HOST = "steward.example.com"
CONVERSATION = "0123456789abcdef"
TASK = "0" * 32

# Every API route, with the permission it needs and a body when it takes one.
ROUTES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("get", "/integrations", "view_activity", None),
    ("post", "/integrations/dummy.one/run", "run_integration", None),
    ("post", "/integrations/dummy.one/items/run", "run_integration", None),
    ("get", f"/api/tasks/{TASK}", "view_activity", None),
    ("get", "/api/approvals", "view_activity", None),
    ("post", "/api/approvals/1", "answer_approval", {"option": "reject"}),
    ("post", "/api/actions/1/undo", "undo_action", None),
    ("get", "/api/chat/conversations", "use_chat", None),
    ("post", "/api/chat/conversations", "use_chat", None),
    ("get", f"/api/chat/conversations/{CONVERSATION}/history", "use_chat", None),
    ("post", f"/api/chat/conversations/{CONVERSATION}/messages", "use_chat", {"content": "hi"}),
    ("post", f"/api/chat/conversations/{CONVERSATION}/proposals/1", "use_chat", {"option": "reject"}),
    ("get", f"/api/chat/tasks/{TASK}", "use_chat", None),
]


@pytest.fixture
def staff(exposed, django_user_model) -> Any:
    return django_user_model.objects.create_user("staff", password="pw", is_staff=True)


def grant(user: Any, *names: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=names))


def logged_in(user: Any) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def call(client: Client, method: str, path: str, body: dict[str, Any] | None, **extra: Any) -> Any:
    if body is None:
        return getattr(client, method)(path, **extra)
    return getattr(client, method)(path, body, content_type="application/json", **extra)


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES)
def test_a_staff_user_without_the_permission_is_refused_with_403(
    staff, dummy_integration, method, path, permission, body
):
    response = call(logged_in(staff), method, path, body)
    assert response.status_code == 403
    assert response.json()["detail"].startswith(f"Permission '{permission}' required")
    assert not Task.objects.exists()


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES)
def test_the_permission_lets_the_staff_user_through(staff, dummy_integration, method, path, permission, body):
    grant(staff, permission)
    conversation_create()  # any conversation; the routes answer 404 for the fixed id
    response = call(logged_in(staff), method, path, body)
    assert response.status_code != 403, response.content


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES)
def test_a_token_carries_its_users_permissions(staff, dummy_integration, method, path, permission, body):
    _, raw = ApiToken.issue("staff-laptop", user=staff)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert call(Client(HTTP_HOST=HOST), method, path, body, **auth).status_code == 403
    grant(staff, permission)
    assert call(Client(HTTP_HOST=HOST), method, path, body, **auth).status_code != 403


@pytest.mark.parametrize(("method", "path", "permission", "body"), [r for r in ROUTES if r[0] == "post"])
def test_a_read_only_token_cannot_change_anything(
    exposed, admin_user, dummy_integration, method, path, permission, body
):
    _, raw = ApiToken.issue("dashboard", user=admin_user, read_only=True)
    response = call(Client(HTTP_HOST=HOST), method, path, body, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    assert response.json() == {"detail": "API token 'dashboard' is read-only: it may only read (GET)"}
    assert not Task.objects.exists()


def test_a_read_only_token_can_read(exposed, admin_user, dummy_integration):
    _, raw = ApiToken.issue("dashboard", user=admin_user, read_only=True)
    response = Client(HTTP_HOST=HOST).get("/integrations", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_a_token_of_a_deactivated_user_is_refused(staff, dummy_integration):
    _, raw = ApiToken.issue("old", user=staff)
    staff.is_active = False
    staff.save()
    response = Client(HTTP_HOST=HOST).get("/integrations", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def script_approval() -> Approval:
    return Approval.objects.create(
        source=Approval.Source.AUTOMATION,
        action="script:notify",
        provenance="llm",
        options=[{"id": "approve", "label": "Approve"}, {"id": "reject", "label": "Reject"}],
        expires_at=timezone.now() + timedelta(hours=1),
    )


def test_approving_a_script_needs_a_superuser(staff):
    grant(staff, "answer_approval")
    approval = script_approval()
    response = call(logged_in(staff), "post", f"/api/approvals/{approval.pk}", {"option": "approve"})
    assert response.status_code == 403
    assert "script" in response.json()["detail"]
    assert "needs a superuser" in response.json()["detail"]
    approval.refresh_from_db()
    assert approval.status == Approval.Status.PENDING
    # Rejecting runs nothing: the permission is enough.
    response = call(logged_in(staff), "post", f"/api/approvals/{approval.pk}", {"option": "reject"})
    assert response.status_code == 200


def test_the_chat_page_needs_use_chat(staff):
    assert logged_in(staff).get("/ui/chat").status_code == 403
    grant(staff, "use_chat")
    assert logged_in(staff).get("/ui/chat").status_code == 200


def _socket_close_code(headers: list[tuple[bytes, bytes]]) -> int:
    conversation = conversation_create()

    async def run() -> int:
        comm = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}/", headers=headers)
        connected, _ = await comm.connect()
        assert connected
        while True:
            output = await comm.receive_output(timeout=2)
            if output["type"] == "websocket.close":
                return int(output["code"])

    return async_to_sync(run)()


def test_the_websocket_needs_use_chat(staff):
    _, raw = ApiToken.issue("phone", user=staff)
    headers = [(b"host", HOST.encode()), (b"authorization", f"Bearer {raw}".encode())]
    assert _socket_close_code(headers) == 4403


def test_a_read_only_token_may_watch_a_chat_but_not_send(exposed, admin_user):
    conversation = conversation_create()
    _, raw = ApiToken.issue("watcher", user=admin_user, read_only=True)
    headers = [(b"host", HOST.encode()), (b"authorization", f"Bearer {raw}".encode())]

    async def run() -> dict[str, Any]:
        comm = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}/", headers=headers)
        assert (await comm.connect())[0]
        await comm.send_json_to({"type": "message", "content": "/help"})
        frame: dict[str, Any] = await comm.receive_json_from(timeout=2)
        await comm.disconnect()
        return frame

    frame = async_to_sync(run)()
    assert (frame["type"], frame["status"]) == ("error", 403)
