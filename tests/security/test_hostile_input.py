"""Hostile input over HTTP and the websocket: ids, content types, origins, text, nesting, paths.

Each class of defect is closed for every route or frame that can carry it, and every refusal is a
4xx ``{"detail": …}`` (or an error frame) naming what is wrong — never a 500 or a close 1011.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from chat.models import Message
from chat.store import conversation_create
from orchestrator.asgi import application
from orchestrator.models import Approval, Task
from orchestrator.security.json_input import MAX_DEPTH

pytestmark = pytest.mark.django_db

LOCAL = Client(HTTP_HOST="localhost")
# Digits of other scripts (superscript two, Arabic-Indic one), a float, a sign, 19 digits, blank.
BAD_IDS = ["%C2%B2", "%D9%A1", "1e3", "-1", "+1", "1" * 19, "%20", "1%00"]


def id_routes(conversation: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every route with a numeric id, as ``(method, path with {id}, body)``."""
    return [
        ("post", "/api/approvals/{id}", {"option": "reject"}),
        ("post", "/api/actions/{id}/undo", None),
        ("post", f"/api/chat/conversations/{conversation}/proposals/{{id}}", {"option": "reject"}),
    ]


def send(method: str, path: str, body: dict[str, Any] | None, client: Client = LOCAL) -> Any:
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_ids_that_are_not_ascii_digits_are_404_on_every_id_route(dummy_integration, bad_id):
    conversation = conversation_create().id
    for method, path, body in id_routes(conversation):
        response = send(method, path.format(id=bad_id), body)
        assert response.status_code == 404, (path, response.content)
        assert response.json()["detail"].startswith("Not Found")
    assert not Task.objects.exists()


@pytest.mark.parametrize("bad_id", ["%00", "x%00y", "%ED%A0%80"])
def test_string_ids_with_nul_or_broken_utf8_are_404(bad_id):
    for path in (
        f"/api/tasks/{bad_id}",
        f"/api/chat/tasks/{bad_id}",
        f"/api/chat/conversations/{bad_id}/history",
        f"/integrations/{bad_id}/run",
    ):
        response = LOCAL.post(path) if path.endswith("/run") else LOCAL.get(path)
        assert response.status_code == 404, (path, response.content)
        if "%00" in bad_id:  # refused before any lookup: PostgreSQL cannot even compare it
            assert response.json() == {"detail": "Not Found: a path cannot contain NUL"}


BODY_ROUTES = [
    ("/api/approvals/1", {"option": "approve"}),
    ("/api/chat/conversations/{conversation}/messages", {"content": "hi"}),
    ("/api/chat/conversations/{conversation}/proposals/1", {"option": "approve"}),
]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/json"])
def test_json_endpoints_refuse_other_content_types_with_415(content_type):
    conversation = conversation_create().id
    for path, body in BODY_ROUTES:
        response = LOCAL.post(
            path.format(conversation=conversation), json.dumps(body), content_type=content_type
        )
        assert response.status_code == 415, path
        assert "send the body as application/json" in response.json()["detail"]
    assert not Message.objects.exists()


def test_the_seed_curl_posts_without_a_body_still_work(dummy_integration):
    assert LOCAL.post("/integrations/dummy.one/run").status_code == 200
    assert LOCAL.post("/api/chat/conversations").status_code == 200


@pytest.mark.parametrize(
    "origin", ["http://localhost:3000", "https://localhost:6767", "http://127.0.0.1:8080", "http://localhost"]
)
def test_a_page_on_another_local_port_or_scheme_is_refused(dummy_integration, origin):
    page = Client(HTTP_HOST="localhost:6767")
    response = page.post("/integrations/dummy.one/run", HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert not Task.objects.exists()


def test_the_same_server_under_another_loopback_name_is_the_same_origin(dummy_integration):
    page = Client(HTTP_HOST="localhost:6767")
    assert page.post("/integrations/dummy.one/run", HTTP_ORIGIN="http://127.0.0.1:6767").status_code == 200


BAD_TEXT = [("\ud800", "lone surrogate (U+D800)"), ("a\x00b", "NUL character")]


@pytest.mark.parametrize(("text", "problem"), BAD_TEXT)
def test_bad_text_in_every_text_input_is_422_naming_the_field(text, problem):
    conversation = conversation_create().id
    inputs = [
        ("/api/approvals/1", "option"),
        ("/api/chat/conversations/{conversation}/messages", "content"),
        ("/api/chat/conversations/{conversation}/proposals/1", "option"),
    ]
    for path, field in inputs:
        raw = json.dumps({field: text})  # json.dumps escapes the surrogate as \ud800, as a client would
        response = LOCAL.post(path.format(conversation=conversation), raw, content_type="application/json")
        assert response.status_code == 422, path
        detail = response.json()["detail"]
        assert detail.startswith(f"body.{field}: contains a")
        assert problem in detail
    assert not Message.objects.exists()


def test_bad_text_in_a_key_is_422():
    response = LOCAL.post(
        "/api/approvals/1", '{"option": "x", "\\u0000": 1}', content_type="application/json"
    )
    assert response.status_code == 422
    assert "NUL" in response.json()["detail"]


def test_deep_json_bodies_are_422_naming_the_limit_and_place():
    conversation = conversation_create().id
    raw = '{"content": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = LOCAL.post(
        f"/api/chat/conversations/{conversation}/messages", raw, content_type="application/json"
    )
    assert response.status_code == 422
    column = 12 + MAX_DEPTH  # the opening { counts as a level
    limit = f"nested deeper than {MAX_DEPTH} levels (limit {MAX_DEPTH})"
    assert response.json()["detail"] == f"body: {limit} at line 1, column {column}"


def test_nan_is_not_json():
    response = LOCAL.post("/api/approvals/1", '{"option": NaN}', content_type="application/json")
    assert response.status_code == 422


def test_validation_errors_are_one_detail_string():
    response = LOCAL.post("/api/approvals/1", "{}", content_type="application/json")
    assert response.json() == {"detail": "body.option: Field required"}


def test_head_of_the_health_check_is_200():
    assert LOCAL.head("/").status_code == 200


def test_unknown_query_status_is_a_documented_422():
    response = LOCAL.get("/api/approvals?status=maybe")
    assert response.status_code == 422
    assert Approval.Status.PENDING in response.json()["detail"]


# --- websocket -----------------------------------------------------------------------------------
WS_HOST = [(b"host", b"localhost:6767")]


def frames_for(raw_frames: list[str | bytes]) -> list[dict[str, Any]]:
    """Send each raw frame on one socket; the reply to each, then check the socket still works."""
    conversation = conversation_create()

    async def run() -> list[dict[str, Any]]:
        comm = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}/", headers=WS_HOST)
        assert (await comm.connect())[0]
        replies = []
        for raw in raw_frames:
            if isinstance(raw, bytes):
                await comm.send_to(bytes_data=raw)
            else:
                await comm.send_to(text_data=raw)
            replies.append(await comm.receive_json_from(timeout=3))
        await comm.send_json_to({"type": "message", "content": "/help"})
        assert (await comm.receive_json_from(timeout=3))["type"] == "message"  # still usable
        await comm.disconnect()
        return replies

    return async_to_sync(run)()


@pytest.mark.parametrize(
    ("raw", "status", "detail"),
    [
        ("[" * 100_000, 422, f"frame: nested deeper than {MAX_DEPTH} levels (limit {MAX_DEPTH})"),
        ('{"type": "message", "content": "\\ud800"}', 422, "frame.content: contains a lone surrogate"),
        ('{"type": "message", "content": "a\\u0000"}', 422, "frame.content: contains a NUL character"),
        ('{"type": "\\ud800"}', 422, "frame.type: contains a lone surrogate"),
        ('{"type": "message", "content": "x", "extra": {"\\u0000": 1}}', 422, "frame.extra: a key contains"),
        ('"x" ' + " " * 300_000, 413, "Frame too large"),
        (b"\xff\xfe", 422, "frame: not valid UTF-8"),
        ("[]", 422, "Frames must be JSON objects"),
        ('{"type": 5}', 422, "Unknown frame type 5"),
    ],
)
def test_bad_frames_get_an_error_frame_never_a_1011(raw, status, detail):
    (reply,) = frames_for([raw])
    assert (reply["type"], reply["status"]) == ("error", status)
    assert reply["detail"].startswith(detail), reply["detail"]
    assert not Message.objects.filter(type="chat").exists()


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/chat/", "/ws/chat/%00/", "/ws/chat/ABC%20/", "/"])
def test_unknown_websocket_paths_are_refused_at_the_handshake(path, caplog):
    async def run() -> bool:
        comm = WebsocketCommunicator(application, path, headers=WS_HOST)
        connected, _ = await comm.connect()
        return bool(connected)

    assert async_to_sync(run)() is False
    assert "Traceback" not in caplog.text


def test_a_websocket_from_a_page_on_another_local_port_is_refused():
    conversation = conversation_create()

    async def run() -> int:
        headers = [*WS_HOST, (b"origin", b"http://localhost:3000")]
        comm = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}/", headers=headers)
        assert (await comm.connect())[0]
        output = await comm.receive_output(timeout=2)
        return int(output["code"])

    assert async_to_sync(run)() == 4403


@pytest.mark.parametrize("after", ["%D9%A1", "1_0", "%2B1", "1" * 19])
def test_a_replay_position_that_is_not_ascii_digits_is_an_error_frame(after):
    conversation = conversation_create()

    async def run() -> dict[str, Any]:
        comm = WebsocketCommunicator(
            application, f"/ws/chat/{conversation.id}/?after={after}", headers=WS_HOST
        )
        assert (await comm.connect())[0]
        frame: dict[str, Any] = await comm.receive_json_from(timeout=2)
        await comm.disconnect()
        return frame

    frame = async_to_sync(run)()
    assert (frame["type"], frame["status"]) == ("error", 422)
    assert "after must be a message id (ASCII digits)" in frame["detail"]


def test_unknown_body_fields_are_422_so_the_schema_lists_all_there_is():
    conversation = conversation_create().id
    response = LOCAL.post(
        f"/api/chat/conversations/{conversation}/messages",
        json.dumps({"content": "hi", "conten": "typo"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "body.conten: Extra inputs are not permitted"
