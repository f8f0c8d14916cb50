"""An LLM outage: deterministic rules act anyway, classifications wait behind a circuit breaker.

The LLM is a real OpenAI-compatible server on loopback (the scripted fault server of tests/llm)
reached through the real ``orchestrator.llm.classify``: first down (HTTP 500, or nothing listening
at all), then back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from orchestrator.llm import breaker, transport
from orchestrator.llm.checks import check_profile
from orchestrator.models import AuditEntry, Integration, Item, LLMCall, LLMProfile, Run, Task
from tests.llm.conftest import FaultServer, Reply, free_tcp_port
from tests.pipeline.driving import configure, drain, effects, run_pipeline

pytestmark = pytest.mark.django_db

ODD_IS_DETERMINISTIC = {"when": {"tags": {"contains": "odd"}}, "then": {"tag": "odd"}}
HOT_NEEDS_THE_LLM = {"when": {"classification.interesting": "> 0.5"}, "then": {"tag": "hot"}}
QUESTIONS = {"interesting": "Is it interesting?"}
DOWN = Reply(status=500, body='{"error": "model not loaded"}')
UP = Reply(content='{"interesting": 0.9}')


@pytest.fixture
def quick_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection only: one quick retry per call instead of several seconds of backoff.
    monkeypatch.setattr(transport, "MAX_RETRIES", 1)
    monkeypatch.setattr(transport, "BACKOFF_BASE_S", 0.01)


@pytest.fixture
def stub_llm(quick_transport: None) -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def use_llm(integration: Integration, base_url: str) -> LLMProfile:
    profile = LLMProfile.objects.create(
        name="stub", backend="openai", base_url=base_url, model="stub-model", structured_output="json_object"
    )
    integration.llm = profile
    integration.save(update_fields=["llm"])
    configure(integration, automations=[ODD_IS_DETERMINISTIC, HOT_NEEDS_THE_LLM], classifications=QUESTIONS)
    return profile


def tags(name: str) -> list[int]:
    return sorted(effect["n"] for effect in effects("tag") if effect["name"] == name)


def time_passes() -> None:
    """The breaker's cool-down and every task's backoff are over."""
    earlier = timezone.now() - timedelta(seconds=breaker.COOLDOWN_S + 1)
    LLMCall.objects.update(created_at=earlier)
    Task.objects.filter(status="pending").update(not_before=None)


def classify_tasks() -> list[Task]:
    return list(Task.objects.filter(type="dummy.items.classify"))


def test_deterministic_rules_act_while_the_llm_answers_500_and_llm_rules_act_once_it_is_back(
    dummy_integration: Integration, stub_llm: FaultServer
) -> None:
    use_llm(dummy_integration, stub_llm.base_url)
    stub_llm.responder = lambda body: DOWN

    run_pipeline()

    assert tags("odd") == [1, 3]
    assert tags("hot") == []
    run = Run.objects.get()
    assert run.status == "running"
    assert run.error.startswith("Classification waits: LLM profile 'stub' is unreachable")
    assert (run.classified, run.actions_done) == (0, 2)
    waiting = classify_tasks()
    assert [(t.status, len(t.payload["items"])) for t in waiting] == [("pending", 3)]  # none dead-lettered
    assert AuditEntry.objects.filter(level="warning", message__contains="Classification waits").count() == 1

    stub_llm.responder = lambda body: UP
    time_passes()
    drain()  # the waiting classifications run by themselves

    assert tags("hot") == [1, 2, 3]
    assert tags("odd") == [1, 3]  # the deterministic rule did not act again
    run.refresh_from_db()
    assert (run.status, run.error, run.classified, run.actions_done) == ("done", "", 3, 5)
    assert not Task.objects.filter(status="failed").exists()
    assert AuditEntry.objects.filter(message__contains="answers again: the waiting").count() == 1


def test_after_a_few_failures_classifications_fail_fast_without_calling_the_server(
    dummy_integration: Integration, stub_llm: FaultServer
) -> None:
    use_llm(dummy_integration, stub_llm.base_url)
    configure(
        dummy_integration,
        automations=[ODD_IS_DETERMINISTIC, HOT_NEEDS_THE_LLM],
        classifications=QUESTIONS,
        options={"count": 6},
    )
    stub_llm.responder = lambda body: DOWN

    run_pipeline()
    calls_while_closed = LLMCall.objects.count()
    Task.objects.filter(status="pending").update(not_before=None)  # every backoff over, not the cool-down
    drain()

    assert calls_while_closed == breaker.FAILURE_THRESHOLD  # then the breaker opened
    assert LLMCall.objects.count() == breaker.FAILURE_THRESHOLD  # the retries never called the server
    assert len(stub_llm.requests) == breaker.FAILURE_THRESHOLD * (transport.MAX_RETRIES + 1)
    waiting = classify_tasks()
    assert all(t.status == "pending" and t.error.startswith("LLMCircuitOpen") for t in waiting)
    assert all(t.attempts <= 1 for t in waiting)  # waiting behind the breaker spends no attempts
    assert tags("odd") == [1, 3, 5]


def test_with_nothing_listening_deterministic_rules_act_and_llm_rules_act_when_the_server_starts(
    dummy_integration: Integration, quick_transport: None
) -> None:
    port = free_tcp_port()
    use_llm(dummy_integration, f"http://127.0.0.1:{port}")

    run_pipeline()

    assert tags("odd") == [1, 3]
    assert tags("hot") == []
    assert "cannot connect" in Run.objects.get().error

    server = FaultServer(port=port)
    server.default = UP
    with server:
        time_passes()
        drain()

    assert tags("hot") == [1, 2, 3]
    assert Run.objects.get().status == "done"


def test_doctor_names_the_open_breaker_and_the_waiting_classifications(
    dummy_integration: Integration, stub_llm: FaultServer
) -> None:
    profile = use_llm(dummy_integration, stub_llm.base_url)
    stub_llm.responder = lambda body: DOWN
    run_pipeline()

    results = {result.name: result for result in check_profile(profile)}

    found = results["llm:stub:breaker"]
    assert not found.ok
    assert "circuit open" in found.message
    assert "3 classification(s) waiting" in found.message


def test_without_an_llm_profile_deterministic_rules_still_act(dummy_integration: Integration) -> None:
    configure(
        dummy_integration, automations=[ODD_IS_DETERMINISTIC, HOT_NEEDS_THE_LLM], classifications=QUESTIONS
    )

    run_pipeline()

    assert tags("odd") == [1, 3]
    assert Task.objects.filter(type="dummy.items.classify", status="failed").count() == 1  # the batch


def test_with_the_llm_up_each_rule_is_evaluated_once_per_item(
    dummy_integration: Integration, stub_llm: FaultServer
) -> None:
    use_llm(dummy_integration, stub_llm.base_url)
    stub_llm.default = UP

    ran = run_pipeline()

    phases: dict[str, Any] = {}
    for task in ran:
        if task.type == "dummy.items.evaluate":
            phases.setdefault(task.result["phase"], []).append(task.result["evaluated"])
    assert phases == {"deterministic": [3], "llm": [3]}
    assert (tags("odd"), tags("hot")) == ([1, 3], [1, 2, 3])


def test_an_out_of_date_classification_never_decides_while_the_new_one_waits(
    steward: Integration,
) -> None:
    cold = {"when": {"classification.interesting": "< 0.5"}, "then": {"tag": "cold"}}
    configure(steward, automations=[ODD_IS_DETERMINISTIC, cold], classifications=QUESTIONS)
    run_pipeline()
    # Item 1 was answered for content it no longer has, and the LLM is now gone.
    item = Item.objects.get(key="item-1")
    item.classification = {"interesting": 0.1}
    item.classified_by = {**item.classified_by, "content_hash": "older content"}
    item.save(update_fields=["classification", "classified_by"])
    steward.llm = None
    steward.save(update_fields=["llm"])

    configure(
        steward,
        automations=[ODD_IS_DETERMINISTIC, cold],
        classifications=QUESTIONS,
        options={"count": 3, "mood": "sunny"},
    )
    run_pipeline()  # a volatile change re-evaluates every item

    assert tags("cold") == []
    assert tags("odd") == [1, 3]
