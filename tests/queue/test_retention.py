"""Retention keeps the database bounded: a simulated month of polling every 5 minutes, compressed
in time, with the maintenance loop pruning once a simulated day (orchestrator/queue/maintenance.py)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from unittest import mock

from django.db import connection
from django.utils import timezone

from orchestrator.models import LLMCall, QueueSettings, Task, WorkerHeartbeat
from orchestrator.queue.maintenance import prune_finished
from tests.queue.databases import SQLITE_NAME, QueueDatabase

POLLS_PER_DAY = 24 * 12  # every 5 minutes
DAYS = 30


def one_day_of_polling(day_start: datetime) -> None:
    """What a day of polls leaves behind: per poll a finished check task and an LLM call."""
    tasks, calls = [], []
    for n in range(POLLS_PER_DAY):
        at = day_start + timedelta(minutes=5 * n)
        tasks.append(
            Task(type="dummy.items.check", status="done", created_at=at, started_at=at, finished_at=at)
        )
        calls.append(LLMCall(profile_name="default", backend="embedded", purpose="classify", outcome="ok"))
    with mock.patch("django.utils.timezone.now", return_value=day_start):
        Task.objects.bulk_create(tasks)
        LLMCall.objects.bulk_create(calls)
        WorkerHeartbeat.objects.create(cluster="default", host="gone", pid=day_start.day, last_seen=day_start)


def test_a_month_of_polling_keeps_rows_and_file_size_bounded_by_the_retention(sqlite_db: QueueDatabase):
    settings = QueueSettings.load()
    settings.retention = "7d"
    settings.save()
    start = timezone.now() - timedelta(days=DAYS)
    sizes: dict[int, int] = {}
    rows: dict[int, tuple[int, int]] = {}
    for day in range(DAYS):
        day_start = start + timedelta(days=day)
        one_day_of_polling(day_start)
        with mock.patch("django.utils.timezone.now", return_value=day_start + timedelta(days=1)):
            prune_finished()
        connection.close()  # checkpoint the WAL so the file size is the database's
        sizes[day] = os.path.getsize(sqlite_db.data_dir / SQLITE_NAME)
        rows[day] = (Task.objects.count(), LLMCall.objects.count())

    kept = 8 * POLLS_PER_DAY  # seven days of retention plus the day being written
    assert rows[DAYS - 1][0] <= kept
    assert rows[DAYS - 1][1] <= kept
    assert WorkerHeartbeat.objects.count() <= 2
    # Freed pages are reused: after the first retention window the file stops growing.
    assert sizes[DAYS - 1] <= sizes[14] * 1.1, sizes
    print(
        f"after {DAYS} days: tasks={rows[DAYS - 1][0]} llm_calls={rows[DAYS - 1][1]} "
        f"file={sizes[DAYS - 1] / 1e6:.2f} MB (day 14: {sizes[14] / 1e6:.2f} MB)"
    )
