"""The LLM server is down for 30 s, then back: classify tasks wait and retry, every item is
classified once the server answers, nothing lands in the dead letter."""

from __future__ import annotations

import time

import pytest

from orchestrator.models import Integration, Item, LLMCall, LLMProfile, PlatformConfig, Task
from orchestrator.running.triggers import integration_trigger
from tests.llm.conftest import FaultServer, Reply, fault_server
from tests.queue.databases import QueueDatabase
from tests.queue.processes import Clusters, wait_until
from tests.queue.test_workers import start_and_wait

__all__ = ["fault_server"]

DOWN_S = 30.0
ITEMS = 3


def test_items_are_classified_after_the_llm_server_was_down_for_30_s(
    queue_db: QueueDatabase, clusters: Clusters, fault_server: FaultServer
):
    if queue_db.url is not None:
        pytest.skip("one database is enough: this is about the LLM, not the queue's storage")
    up_at = time.monotonic() + DOWN_S

    def answer(body: dict[str, object]) -> Reply:
        if time.monotonic() < up_at:
            return Reply(status=503, body='{"error": {"message": "model loading"}}')
        return Reply(content='{"interesting": 0.9}')

    fault_server.responder = answer
    profile = LLMProfile.objects.create(
        name="default",
        backend="openai",
        base_url=fault_server.base_url,
        model="fault-model",
        structured_output="json_object",
        timeout_s=5,
    )
    integration = Integration.objects.create(type="dummy", name="one", llm=profile)
    PlatformConfig.objects.create(
        integration=integration,
        name="items",
        options={"count": ITEMS},
        automations=[{"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "hot"}}],
    )
    start_and_wait(clusters, "default")
    integration_trigger("dummy.one")

    wait_until(
        lambda: Item.objects.filter(classification__isnull=False).count() == ITEMS,
        timeout=DOWN_S + 120,
        interval=1,
        what="every item to be classified after the LLM came back",
    )
    assert time.monotonic() >= up_at
    assert not Task.objects.filter(status="failed").exists(), list(
        Task.objects.filter(status="failed").values_list("type", "error")
    )
    outcomes = set(LLMCall.objects.values_list("outcome", flat=True))
    assert "ok" in outcomes
    assert outcomes - {"ok"}, "the outage was seen and recorded"
