"""``manage.py run_integration``: the CLI twin of ``POST /integrations/{id}/run``."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from orchestrator.models import PlatformConfig, Run, Task, WorkerHeartbeat
from orchestrator.queue import enqueue
from orchestrator.queue.claim import claim_next
from orchestrator.queue.execution import execute
from orchestrator.running.follow import Progress, ProgressLine

pytestmark = pytest.mark.django_db


def run_integration(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("run_integration", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refusal(*args: str) -> CommandError:
    with pytest.raises(CommandError) as failure:
        run_integration(*args)
    return failure.value


def summary(output: str) -> list[dict[str, str]]:
    """The summary table's rows as dicts keyed by column title."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("integration"))
    titles = re.split(r"\s{2,}", lines[start].strip())
    return [dict(zip(titles, re.split(r"\s{2,}", row.strip()), strict=True)) for row in lines[start + 1 :]]


def test_inline_runs_the_pipeline_here_and_prints_the_summary(dummy_integration):
    out, _ = run_integration("dummy.one", "--inline")
    (row,) = summary(out)
    assert (row["integration"], row["platform"], row["status"]) == ("dummy.one", "items", "done")
    assert (row["seen"], row["new"], row["classified"]) == ("3", "3", "0")
    assert {"actions done", "actions blocked", "actions failed", "duration"} <= set(row)
    assert not Task.objects.exclude(status="done").exists()


def test_second_inline_run_finds_nothing_new(dummy_integration):
    run_integration("dummy.one", "--inline")
    out, _ = run_integration("dummy.one", "--inline")
    (row,) = summary(out)
    assert (row["seen"], row["new"]) == ("3", "0")


def test_inline_leaves_unrelated_tasks_to_the_workers(dummy_integration):
    unrelated = enqueue("noop", {"echo": "not mine"}, priority=9)
    run_integration("dummy.one", "--inline")
    unrelated.refresh_from_db()
    assert unrelated.status == "pending"
    assert unrelated.attempts == 0


def test_inline_failure_of_a_stage_exits_1(dummy_integration):
    PlatformConfig.objects.update(options={"count": "not a number"})
    failure = refusal("dummy.one", "--inline")
    assert failure.returncode == 1
    assert "dummy.items.check" in str(failure)
    assert Run.objects.get().status == "failed"


def test_unknown_integration_exits_2_listing_the_valid_ids(dummy_integration):
    failure = refusal("dummy.nope")
    assert failure.returncode == 2
    assert "Integration 'dummy.nope' not found" in str(failure)
    assert "dummy.one" in str(failure)
    assert not Task.objects.exists()


def test_unknown_platform_exits_2_listing_the_platforms(dummy_integration):
    failure = refusal("dummy.one", "--platform", "nope")
    assert failure.returncode == 2
    assert "Platform 'nope' not configured in 'dummy.one'" in str(failure)
    assert "Valid platforms: items" in str(failure)


def test_without_wait_prints_the_task_ids_and_warns_about_no_worker(dummy_integration):
    out, err = run_integration("dummy.one")
    task = Task.objects.get()
    assert out.split() == [task.uid]
    assert task.status == "pending"
    assert "no worker heartbeat in the last 60 s" in err


def test_without_wait_and_a_live_worker_there_is_no_warning(dummy_integration):
    WorkerHeartbeat.objects.create(cluster="default", host="here", pid=1, last_seen=timezone.now())
    _, err = run_integration("dummy.one", "--platform", "items")
    assert err == ""


def _play_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def worker_step(seconds: float) -> None:
        # While the command waits, play the worker: execute one claimed task per poll.
        task = claim_next("default", lease=timedelta(minutes=5))
        if task is not None:
            execute(task.pk, task.attempts)

    monkeypatch.setattr(
        "orchestrator.running.follow.time", SimpleNamespace(sleep=worker_step, monotonic=time.monotonic)
    )


def test_wait_follows_the_run_a_worker_executes(dummy_integration, monkeypatch):
    WorkerHeartbeat.objects.create(cluster="default", host="here", pid=1, last_seen=timezone.now())
    _play_worker(monkeypatch)
    out, err = run_integration("dummy.one", "--wait")
    (row,) = summary(out)
    assert (row["status"], row["seen"], row["new"]) == ("done", "3", "3")
    assert "2/2 tasks" in err.splitlines()[-1]


def test_wait_follows_the_run_already_in_progress_instead_of_starting_an_empty_one(
    dummy_integration, monkeypatch
):
    WorkerHeartbeat.objects.create(cluster="default", host="here", pid=1, last_seen=timezone.now())
    run_integration("dummy.one")  # what `make run` queues
    check = claim_next("default", lease=timedelta(minutes=5))
    assert check is not None
    execute(check.pk, check.attempts)  # the worker is part-way through the run
    (run,) = Run.objects.all()
    _play_worker(monkeypatch)

    out, err = run_integration("dummy.one", "--wait")

    assert err.startswith(f"run #{run.pk} is still working (1 task open); following it")
    assert Run.objects.count() == 1
    (row,) = summary(out)
    assert (row["status"], row["seen"], row["new"]) == ("done", "3", "3")


def test_wait_follows_a_queued_run_that_no_worker_has_started(dummy_integration, monkeypatch):
    WorkerHeartbeat.objects.create(cluster="default", host="here", pid=1, last_seen=timezone.now())
    run_integration("dummy.one")
    _play_worker(monkeypatch)

    out, err = run_integration("dummy.one", "--wait")

    assert err.startswith("a run is queued and waits for a worker; following it")
    assert Task.objects.filter(type__endswith=".check").count() == 1
    (row,) = summary(out)
    assert row["new"] == "3"


def test_wait_with_new_starts_another_run_anyway(dummy_integration, monkeypatch):
    WorkerHeartbeat.objects.create(cluster="default", host="here", pid=1, last_seen=timezone.now())
    run_integration("dummy.one")
    check = claim_next("default", lease=timedelta(minutes=5))
    assert check is not None
    execute(check.pk, check.attempts)
    _play_worker(monkeypatch)

    _, err = run_integration("dummy.one", "--wait", "--new")

    assert "following it" not in err
    assert Task.objects.filter(type__endswith=".check").count() == 2


@pytest.mark.slow
def test_wait_without_a_worker_exits_3_after_10_seconds(dummy_integration):
    started = time.monotonic()
    failure = refusal("dummy.one", "--wait")
    assert failure.returncode == 3
    assert str(failure) == "no worker running: start `manage.py supervisor` or use `--inline`"
    assert time.monotonic() - started >= 10
    assert Task.objects.get().status == "pending"  # still queued for when a worker starts


def test_progress_without_a_terminal_prints_plain_lines_and_the_final_state():
    written: list[str] = []
    line = ProgressLine(written.append, redraw=False, log_every_s=60)
    line.show(Progress(finished=0, total=2, seen=0, new=0, classified=0))
    line.show(Progress(finished=1, total=2, seen=3, new=3, classified=0))  # throttled
    line.show(Progress(finished=2, total=2, seen=3, new=3, classified=0))
    line.close()
    assert [text.split("] ")[1] for text in written] == [
        "0/2 tasks · seen 0 · new 0 · classified 0\n",
        "2/2 tasks · seen 3 · new 3 · classified 0\n",
    ]
    assert not any("\r" in text for text in written)


def test_progress_on_a_terminal_redraws_one_line():
    written: list[str] = []
    line = ProgressLine(written.append, redraw=True)
    line.show(Progress(finished=0, total=2, seen=0, new=0, classified=0))
    line.show(Progress(finished=1, total=2, seen=3, new=3, classified=0))
    line.close()
    assert [text[:1] for text in written] == ["\r", "\r", "\n"]
    assert written[1].startswith("\r[############------------] 1/2 tasks")
