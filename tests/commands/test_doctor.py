"""``manage.py doctor``: a PASS/FAIL/WARN line per registered check, exit 1 when any fails."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from orchestrator.checks import CheckResult
from orchestrator.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.mark.sqlite_only  # names the embedded database in its expected line
def test_without_a_worker_the_worker_check_fails_and_doctor_exits_1():
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("doctor", stdout=out)
    assert failure.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert "PASS database: sqlite reachable and migrated" in lines
    assert any(line.startswith("FAIL worker:default: no heartbeat") for line in lines)
    assert "worker:default" in str(failure.value)


def test_a_fresh_heartbeat_passes_the_worker_check():
    WorkerHeartbeat.objects.create(cluster="default", host="here", pid=1, last_seen=timezone.now())
    out = StringIO()
    # Checks of other parts may fail in a test database; only the worker lines matter here.
    with contextlib.suppress(CommandError):
        call_command("doctor", stdout=out)
    assert "PASS worker:default: heartbeat within the last minute" in out.getvalue().splitlines()


def test_warnings_are_shown_but_do_not_fail(monkeypatch):
    monkeypatch.setattr(
        "orchestrator.management.commands.doctor.run_checks",
        lambda: [
            CheckResult("database", True, "fine"),
            CheckResult("llm:auth", False, "trusted_authserv_id unset", warning=True),
        ],
    )
    out = StringIO()
    call_command("doctor", stdout=out)
    assert out.getvalue().splitlines() == ["PASS database: fine", "WARN llm:auth: trusted_authserv_id unset"]


def test_the_topology_lines_show_each_roles_view_the_workers_and_the_scheduler():
    from orchestrator.models import ServiceLease

    WorkerHeartbeat.objects.create(cluster="default", host="box-2", pid=7, last_seen=timezone.now())
    ServiceLease.objects.create(
        name="scheduler", holder="box-2:7", expires_at=timezone.now() + timedelta(minutes=1)
    )
    out = StringIO()
    with contextlib.suppress(CommandError):
        call_command("doctor", stdout=out)
    lines = out.getvalue().splitlines()
    for role in ("all", "web", "workers"):
        assert any(line.startswith(f"PASS topology:{role}: could start on the ") for line in lines), lines
    assert "PASS topology:worker-machines: live: box-2 (default)" in lines
    assert "PASS topology:scheduler: held by box-2:7" in lines
