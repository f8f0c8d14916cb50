"""``doctor``'s push-path round trip, on the embedded default and through Redis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from channels.layers import channel_layers

from chat.checks import check_push_path
from chat.models import Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def layer(settings: Any) -> Iterator[Any]:
    """Switch the channel layer for one test (Channels caches the configured backends)."""

    def use(config: dict[str, Any]) -> None:
        settings.CHANNEL_LAYERS = {"default": config}
        channel_layers.backends.clear()

    yield use
    channel_layers.backends.clear()


@pytest.mark.sqlite_only  # the embedded path: `make test-scale` puts the layer on Redis
def test_the_embedded_push_path_passes_and_leaves_nothing_behind():
    result = check_push_path()
    assert result.ok, result.message
    assert result.message.startswith("embedded database path: round trip in")
    assert not Conversation.objects.exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # the wake is sent on commit, as in a real doctor run
def test_the_redis_push_path_passes(redis_url, layer):
    layer({"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}})
    result = check_push_path()
    assert result.ok, result.message
    assert "Redis" in result.message


def test_an_unreachable_redis_fails_the_check_clearly(layer, free_port):
    hosts = [f"redis://127.0.0.1:{free_port}/0"]
    layer({"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": hosts}})
    result = check_push_path()
    assert not result.ok
    assert "failed" in result.message
    assert not Conversation.objects.exists()
