"""``/ws/ui/``: the live pulse, through Channels' WebsocketCommunicator and the real ASGI app."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from orchestrator.asgi import application
from orchestrator.models import Approval
from orchestrator.ui import live

pytestmark = pytest.mark.django_db

LOCAL = [(b"host", b"localhost:6767")]


def test_the_socket_pushes_the_state_and_again_when_an_approval_arrives(acted):
    async def scenario() -> None:
        comm = WebsocketCommunicator(application, "/ws/ui/", headers=LOCAL)
        connected, _ = await comm.connect()
        assert connected
        first = await comm.receive_json_from(timeout=5)
        assert first["type"] == "pulse"
        assert first["state"]["approvals"] == 1
        assert first["state"]["platforms"]["dummy.one/items"]["run"]["seen"] == 3
        await database_sync_to_async(Approval.objects.filter(status="pending").update)(status="rejected")
        await database_sync_to_async(live.wake_now)()
        second = await comm.receive_json_from(timeout=5)
        assert second["state"]["approvals"] == 0
        await comm.disconnect()

    async_to_sync(scenario)()


def test_the_socket_sends_nothing_while_nothing_changes(acted):
    async def scenario() -> None:
        comm = WebsocketCommunicator(application, "/ws/ui/", headers=LOCAL)
        await comm.connect()
        await comm.receive_json_from(timeout=5)
        assert await comm.receive_nothing(timeout=live.POLL_S * 2.5)
        await comm.disconnect()

    async_to_sync(scenario)()


def test_exposed_mode_closes_an_anonymous_socket_with_4401(settings, acted):
    settings.AUTH_REQUIRED = True
    settings.ALLOWED_HOSTS = ["*"]

    async def scenario() -> None:
        comm = WebsocketCommunicator(application, "/ws/ui/", headers=[(b"host", b"steward.example.com")])
        await comm.connect()
        closed = await comm.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4401}

    async_to_sync(scenario)()


def test_a_foreign_origin_is_refused_with_4403(acted):
    async def scenario() -> None:
        headers = [*LOCAL, (b"origin", b"https://evil.example")]
        comm = WebsocketCommunicator(application, "/ws/ui/", headers=headers)
        await comm.connect()
        closed = await comm.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4403}

    async_to_sync(scenario)()


@pytest.mark.redis
def test_a_wake_through_redis_reaches_the_socket_at_once(settings, redis_url, acted, monkeypatch):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
    channel_layers.backends.clear()
    monkeypatch.setattr(live, "POLL_S", 30.0)  # only the wake can deliver within the test

    async def scenario() -> None:
        comm = WebsocketCommunicator(application, "/ws/ui/", headers=LOCAL)
        await comm.connect()
        await comm.receive_json_from(timeout=5)
        await database_sync_to_async(Approval.objects.filter(status="pending").update)(status="rejected")
        await database_sync_to_async(live.wake_now)()
        woken = await comm.receive_json_from(timeout=3)
        assert woken["state"]["approvals"] == 0
        await comm.disconnect()

    try:
        async_to_sync(scenario)()
    finally:
        channel_layers.backends.clear()
