"""max_concurrency per profile: DB leases shared by processes, priority waiters, an extra chat slot."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from orchestrator import llm
from orchestrator.llm import concurrency
from orchestrator.models import LLMLease, LLMProfile, Task
from orchestrator.queue.execution import execute
from orchestrator.queue.handlers import task_handler
from tests.conftest import REPO_ROOT
from tests.llm.conftest import FaultServer, Reply

HOLD_S = 60


@pytest.fixture
def profile(db: None) -> LLMProfile:
    return LLMProfile.objects.create(
        name="one", backend="openai", base_url="http://127.0.0.1:9", max_concurrency=1
    )


def other_process_row(profile: LLMProfile, *, state: str, priority: int, **fields: Any) -> LLMLease:
    now = timezone.now()
    values: dict[str, Any] = {
        "host": "another-host",
        "pid": 4242,
        "created_at": now,
        "expires_at": now + timedelta(seconds=60),
        **fields,
    }
    return LLMLease.objects.create(
        profile=profile, token=os.urandom(8).hex(), state=state, priority=priority, **values
    )


def test_a_caller_without_a_slot_gets_a_requeue_exception(profile: LLMProfile) -> None:
    concurrency.acquire(profile, priority=6, hold_s=HOLD_S)

    started = time.monotonic()
    with pytest.raises(llm.LLMBusy) as caught:
        concurrency.acquire(profile, priority=6, hold_s=HOLD_S, wait_s=0.3)

    assert time.monotonic() - started < 2
    assert caught.value.permanent is False
    assert 5 <= caught.value.retry_after_s <= 15  # type: ignore[operator]
    assert "max_concurrency=1, 1 running" in str(caught.value)
    assert LLMLease.objects.filter(state="waiting").count() == 0


def test_priority_two_or_better_gets_exactly_one_extra_slot(profile: LLMProfile) -> None:
    concurrency.acquire(profile, priority=6, hold_s=HOLD_S)
    concurrency.acquire(profile, priority=1, hold_s=HOLD_S, wait_s=0.3)

    assert LLMLease.objects.filter(state="holding").count() == 2
    with pytest.raises(llm.LLMBusy):
        concurrency.acquire(profile, priority=2, hold_s=HOLD_S, wait_s=0.3)


def test_a_better_waiter_is_served_first(profile: LLMProfile) -> None:
    other_process_row(profile, state="waiting", priority=1)
    with pytest.raises(llm.LLMBusy):
        concurrency.acquire(profile, priority=6, hold_s=HOLD_S, wait_s=0.3)


def test_a_worse_waiter_does_not_block(profile: LLMProfile) -> None:
    other_process_row(profile, state="waiting", priority=9)
    concurrency.acquire(profile, priority=6, hold_s=HOLD_S, wait_s=0.3)


def test_the_lease_of_a_dead_process_is_reclaimed(profile: LLMProfile) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    other_process_row(profile, state="holding", priority=6, host=socket.gethostname(), pid=dead.pid)

    concurrency.acquire(profile, priority=6, hold_s=HOLD_S, wait_s=0.5)

    assert not LLMLease.objects.filter(pid=dead.pid).exists()


def test_an_expired_lease_is_reclaimed(profile: LLMProfile) -> None:
    other_process_row(profile, state="holding", priority=6, expires_at=timezone.now() - timedelta(seconds=1))
    concurrency.acquire(profile, priority=6, hold_s=HOLD_S, wait_s=0.5)
    assert LLMLease.objects.filter(state="holding").count() == 1


def test_the_slot_is_released_after_the_block(profile: LLMProfile) -> None:
    with concurrency.slot(profile, priority=6, hold_s=HOLD_S):
        assert LLMLease.objects.filter(state="holding").count() == 1
    assert not LLMLease.objects.exists()


@task_handler("test.llm_busy", max_runtime_s=30)
def _busy_handler(task: Task) -> None:
    raise llm.LLMBusy("no slot", retry_after_s=7)


def test_the_queue_requeues_a_busy_task_with_not_before(db: None) -> None:
    task = Task.objects.create(type="test.llm_busy", status=Task.Status.RUNNING, attempts=1)

    execute(task.pk, 1)

    task.refresh_from_db()
    assert task.status == Task.Status.PENDING
    assert task.not_before is not None
    delay = (task.not_before - timezone.now()).total_seconds()
    assert 5 < delay <= 7


def _intervals(server: FaultServer, label: str) -> list[tuple[float, float]]:
    return [(r.started, r.ended) for r in server.requests if label in json.dumps(r.body)]


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


@pytest.mark.slow
def test_two_worker_processes_respect_max_concurrency_while_chat_gets_its_extra_slot(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    fault_server.responder = lambda body: Reply(content='{"ok": true}', delay_s=1.0)
    env = {**os.environ, "STEWARD_DATA_DIR": str(tmp_path)}
    worker = [sys.executable, "-m", "tests.llm.lease_worker"]
    subprocess.run([*worker, "setup", fault_server.base_url], env=env, cwd=REPO_ROOT, check=True, timeout=120)

    stop, ready, go = tmp_path / "stop", tmp_path / "ready", tmp_path / "go"
    # Background workers keep calling until the chat call is over.
    background = [
        subprocess.Popen(
            [*worker, "work", label, "6", "20"],
            env={**env, "LEASE_WORKER_STOP": str(stop)},
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for label in ("background-A", "background-B")
    ]
    chat = subprocess.Popen(
        [*worker, "work", "interactive-C", "1", "1"],
        env={**env, "LEASE_WORKER_READY": str(ready), "LEASE_WORKER_GO": str(go)},
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    outputs = []
    try:
        # Send the chat call while a background call has just started and holds the only slot.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            latest = fault_server.requests[-1] if fault_server.requests else None
            just_started = latest is not None and not latest.ended and time.monotonic() - latest.started < 0.1
            if ready.exists() and just_started:
                go.touch()
                break
            time.sleep(0.005)
        out, _ = chat.communicate(timeout=120)
        stop.touch()
        outputs.extend(json.loads(line) for line in out.splitlines())
        for process in background:
            out, _ = process.communicate(timeout=120)
            outputs.extend(json.loads(line) for line in out.splitlines())
    finally:
        for process in [*background, chat]:
            process.kill()

    assert {o["outcome"] for o in outputs} == {"ok"}
    background_calls = _intervals(fault_server, "background-")
    assert {o["label"] for o in outputs} == {"background-A", "background-B", "interactive-C"}
    assert _max_overlap(background_calls) == 1  # max_concurrency=1 across both processes
    # The chat call did not wait for the running 1 s background call: it took the extra slot.
    (chat_request,) = [r for r in fault_server.requests if "interactive-C" in json.dumps(r.body)]
    (chat_output,) = [o for o in outputs if o["label"] == "interactive-C"]
    assert chat_request.wall_started - chat_output["started"] < 0.9
    origin = background_calls[0][0]
    timeline = [(round(a - origin, 2), round(b - origin, 2)) for a, b in background_calls]
    chat_span = (round(chat_request.started - origin, 2), round(chat_request.ended - origin, 2))
    assert any(
        start < chat_request.ended and chat_request.started < end for start, end in background_calls
    ), f"chat {chat_span} ran beside none of {timeline}"
    assert fault_server.max_in_flight == 2
