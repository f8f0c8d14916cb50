"""A batch of calls (a classify task's share): its accounting saved together, the breaker read once,
extra threads that only use a slot nobody else waits for."""

from __future__ import annotations

import time

import pytest

from orchestrator import llm
from orchestrator.llm import concurrency, transport
from orchestrator.llm.accounting import CallRows, accounted_together
from orchestrator.llm.breaker import LLMCircuitOpen
from orchestrator.models import LLMCall, LLMLease, LLMProfile
from tests.llm.conftest import FaultServer, Reply
from tests.llm.fixture_emails import questions_schema

pytestmark = pytest.mark.django_db

SCHEMA = questions_schema({"interesting": "Is it?"})
UP = Reply(content='{"interesting": 0.9}')
DOWN = Reply(status=500, body='{"error": "model not loaded"}')


@pytest.fixture
def profile(fault_server: FaultServer) -> LLMProfile:
    return LLMProfile.objects.create(
        name="stub", backend="openai", base_url=fault_server.base_url, structured_output="json_object"
    )


def outcomes() -> list[str]:
    return list(LLMCall.objects.order_by("id").values_list("outcome", flat=True))


def test_a_batch_saves_its_answered_calls_together_and_a_failure_after_them(
    profile: LLMProfile, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "MAX_RETRIES", 0)
    fault_server.queue(UP, UP, DOWN, UP)
    rows = CallRows()
    with accounted_together(rows):
        assert llm.classify(profile, "first", SCHEMA) == {"interesting": 0.9}
        assert llm.classify(profile, "second", SCHEMA) == {"interesting": 0.9}
        assert outcomes() == []  # kept until the batch stores its answers
        with pytest.raises(llm.LLMUnavailable):
            llm.classify(profile, "third", SCHEMA)
        # The failure is saved at once (the breaker reads it), after the answers that came first.
        assert outcomes() == ["ok", "ok", "unavailable"]
        assert llm.classify(profile, "fourth", SCHEMA) == {"interesting": 0.9}
    rows.save()
    assert outcomes() == ["ok", "ok", "unavailable", "ok"]


def test_a_thread_that_was_answered_still_stops_when_the_server_goes_down(
    profile: LLMProfile, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "MAX_RETRIES", 0)
    fault_server.queue(UP, DOWN, DOWN, DOWN)
    llm.classify(profile, "answered", SCHEMA)
    with pytest.raises(llm.LLMUnavailable):
        llm.classify(profile, "down 1", SCHEMA)
    with pytest.raises(llm.LLMUnavailable):
        llm.classify(profile, "down 2", SCHEMA)
    with pytest.raises(LLMCircuitOpen):  # the third failure trips it
        llm.classify(profile, "down 3", SCHEMA)
    sent = len(fault_server.requests)
    with pytest.raises(LLMCircuitOpen):  # and nothing more is sent while it is open
        llm.classify(profile, "not sent", SCHEMA)
    assert len(fault_server.requests) == sent == 4


def test_an_extra_thread_takes_only_a_slot_that_is_free_at_once(profile: LLMProfile) -> None:
    token = concurrency.acquire(profile, priority=6, hold_s=60)  # max_concurrency 1: the only slot
    started = time.monotonic()
    with concurrency.holding(profile):
        assert concurrency.take_if_free(profile, priority=6, hold_s=60) is False
    assert time.monotonic() - started < 2  # did not wait for it
    assert list(LLMLease.objects.values_list("state", flat=True)) == ["holding"]  # no waiter left behind
    assert not LLMCall.objects.exists()  # nothing asked, nothing accounted

    concurrency.release(token, profile_pk=profile.pk)
    with concurrency.holding(profile):
        assert concurrency.take_if_free(profile, priority=6, hold_s=60) is True
        assert LLMLease.objects.filter(state="holding").count() == 1
    assert not LLMLease.objects.exists()
