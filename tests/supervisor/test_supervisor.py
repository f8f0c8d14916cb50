"""``manage.py supervisor``: children, restarts, shutdown and the exposed-mode gate."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model

from orchestrator.models import ApiToken, Integration, PlatformConfig, Task
from orchestrator.queue import enqueue
from orchestrator.supervision import session_pids
from tests.plugins.queue_tasks import read_starts
from tests.queue.databases import QueueDatabase
from tests.queue.processes import wait_until
from tests.supervisor.conftest import StartSupervisor, alive, healthy
from tests.support.races import all_at_once

pytestmark = pytest.mark.slow

SHUTDOWN_BOUND_S = 30


def dummy_one() -> Integration:
    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 3})
    return integration


def test_serves_health_on_its_port_and_announces_the_url(start_supervisor: StartSupervisor):
    supervisor = start_supervisor()

    assert httpx.get(f"{supervisor.url}/").json() == {"status": "ok"}
    banner = f"Steward is running at http://127.0.0.1:{supervisor.port}/"
    deadline = time.monotonic() + 10  # printed once the supervisor's own probe got its 200
    while banner not in supervisor.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert banner in supervisor.output()
    assert set(supervisor.children()) == {"web", "workers"}


def test_when_ready_it_says_where_to_look(start_supervisor: StartSupervisor):
    supervisor = start_supervisor()
    wait_until(lambda: "audit log:" in supervisor.output(), timeout=10, what="the where-to-look lines")

    output = supervisor.output()
    assert f"dashboard:  http://127.0.0.1:{supervisor.port}/ui/" in output
    assert f"admin:      http://127.0.0.1:{supervisor.port}/admin/  (user admin, password in " in output
    assert "admin-password.txt)" in output
    assert "manage.py audit_log" in output


def test_ctrl_c_stops_within_3_seconds_and_hands_a_busy_task_back(
    start_supervisor: StartSupervisor, supervisor_db: QueueDatabase
):
    supervisor = start_supervisor()
    log = supervisor_db.data_dir / "busy.jsonl"
    busy = enqueue("test.record", {"log": str(log), "label": "long", "sleep_s": 60}, priority=3)
    wait_until(lambda: len(read_starts(log)) == 1, timeout=20, what="a worker to be busy")
    pids = supervisor.all_pids()

    started = time.monotonic()
    os.kill(supervisor.process.pid, signal.SIGINT)
    supervisor.process.wait(timeout=SHUTDOWN_BOUND_S)
    stopped_in = time.monotonic() - started

    assert stopped_in < 3.5, f"stopped in {stopped_in:.1f} s"
    assert not any(alive(pid) for pid in pids)
    busy.refresh_from_db()
    assert (busy.status, busy.attempts, busy.claimed_by) == ("pending", 0, "")  # claimed again at start


def test_the_task_of_a_worker_killed_mid_task_runs_again(
    start_supervisor: StartSupervisor, supervisor_db: QueueDatabase
):
    """The forked cluster (its sentinel is the supervisor's child) replaces a dead worker, and the
    task it held is claimed again once its lease ends."""
    supervisor = start_supervisor(STEWARD_Q_TIMEOUT="3", STEWARD_Q_RETRY="5")
    log = supervisor_db.data_dir / "starts.jsonl"
    task = enqueue("test.hang_first_attempt", {"log": str(log)}, priority=5)
    (first,) = wait_until(lambda: read_starts(log), timeout=20, what="the first attempt")
    cluster = supervisor.children()["workers"]
    assert first["pid"] in session_pids(cluster)
    processes = len(session_pids(cluster))  # the sentinel, its pusher and workers

    os.kill(first["pid"], signal.SIGKILL)

    def done() -> bool:
        task.refresh_from_db()
        return task.status == "done"

    wait_until(done, timeout=40, what="the task to run again")
    assert [s["attempt"] for s in read_starts(log)] == [1, 2]
    wait_until(lambda: len(session_pids(cluster)) == processes, timeout=10, what="a worker in its place")
    assert first["pid"] not in session_pids(cluster)


def test_sigterm_stops_every_child_within_a_bounded_time(start_supervisor: StartSupervisor):
    supervisor = start_supervisor()
    pids = supervisor.all_pids()
    assert len(pids) >= 7  # supervisor, daphne, and a cluster of several processes

    started = time.monotonic()
    os.kill(supervisor.process.pid, signal.SIGTERM)
    supervisor.process.wait(timeout=SHUTDOWN_BOUND_S)

    wait_until(lambda: not any(alive(pid) for pid in pids), timeout=5, what="every process to be gone")
    assert time.monotonic() - started < SHUTDOWN_BOUND_S
    assert supervisor.process.returncode == 0


def test_children_of_a_killed_supervisor_stop_too(start_supervisor: StartSupervisor):
    supervisor = start_supervisor()
    pids = supervisor.all_pids() - {supervisor.process.pid}

    os.kill(supervisor.process.pid, signal.SIGKILL)  # no chance to forward anything

    wait_until(
        lambda: not any(alive(pid) for pid in pids), timeout=SHUTDOWN_BOUND_S, what="the orphans to stop"
    )


def test_a_killed_web_child_is_restarted(start_supervisor: StartSupervisor):
    supervisor = start_supervisor()
    web = supervisor.children()["web"]

    os.kill(web, signal.SIGKILL)

    wait_until(lambda: supervisor.children().get("web", web) != web, timeout=15, what="a new daphne")
    wait_until(lambda: healthy(supervisor.url), timeout=30, interval=0.3, what="GET / after the restart")
    assert "web exited with code -9; restarting in 1 s" in supervisor.output()


def test_a_killed_cluster_is_restarted_without_leaving_its_workers_behind(start_supervisor: StartSupervisor):
    supervisor = start_supervisor()
    cluster = supervisor.children()["workers"]
    its_processes = session_pids(cluster)  # qcluster, sentinel, pusher, monitor, workers
    assert len(its_processes) >= 5

    os.kill(cluster, signal.SIGKILL)  # its sentinel and workers would run on, unsupervised

    wait_until(
        lambda: supervisor.children().get("workers", cluster) != cluster,
        timeout=15,
        what="a new cluster",
    )
    wait_until(lambda: not any(alive(pid) for pid in its_processes), timeout=5, what="the old workers to go")


def test_exposed_mode_needs_a_token_except_for_health(start_supervisor: StartSupervisor):
    dummy_one()
    owner = get_user_model().objects.create_superuser("owner", password="pw")
    _, token = ApiToken.issue("tests", user=owner)  # a token carries its user's permissions
    supervisor = start_supervisor("--expose")

    refused = httpx.post(f"{supervisor.url}/integrations/dummy.one/run")
    assert (refused.status_code, refused.json()) == (401, {"detail": "Unauthorized"})

    allowed = httpx.post(
        f"{supervisor.url}/integrations/dummy.one/run", headers={"Authorization": f"Bearer {token}"}
    )
    assert allowed.status_code == 200
    assert httpx.get(f"{supervisor.url}/").status_code == 200


def test_auth_off_with_a_network_bind_is_refused_at_start(start_supervisor: StartSupervisor):
    supervisor = start_supervisor("--expose", wait=False, STEWARD_AUTH="off")

    assert supervisor.process.wait(timeout=60) != 0
    assert "STEWARD_AUTH=off is refused while binding 0.0.0.0" in supervisor.output()
    assert not supervisor.children()


def test_run_at_start_queues_the_integration_and_warns_about_unknown_ones(start_supervisor: StartSupervisor):
    dummy_one()
    supervisor = start_supervisor("--run-at-start", "dummy.one", "dummy.nope")

    assert Task.objects.filter(type="dummy.items.check").count() == 1
    assert "--run-at-start dummy.nope: not queued: Integration 'dummy.nope' not found" in supervisor.output()


def test_concurrent_identical_posts_queue_one_task(
    start_supervisor: StartSupervisor, supervisor_db: QueueDatabase
):
    dummy_one()
    supervisor = start_supervisor()
    # Keep the workers busy, so the entry task stays pending while the requests race.
    log = supervisor_db.data_dir / "busy.jsonl"
    for n in range(4):
        enqueue("test.record", {"log": str(log), "label": n, "sleep_s": 2}, priority=3)
    wait_until(lambda: len(read_starts(log)) == 2, timeout=15, what="both workers to be busy")
    bodies = all_at_once(
        lambda: httpx.post(f"{supervisor.url}/integrations/dummy.one/run", timeout=30).json(), timeout=60
    )

    assert len(bodies) == 5
    assert len({tuple(body["task_ids"]) for body in bodies}) == 1  # type: ignore[arg-type]
    assert Task.objects.filter(type="dummy.items.check").count() == 1


def test_dev_mode_restarts_web_and_workers_when_code_changes(
    start_supervisor: StartSupervisor, tmp_path: Path
):
    # A plugin of its own in a temporary folder, so touching its code disturbs nobody else.
    code = tmp_path / "devcode"
    code.mkdir()
    plugin = code / "steward_dev_plugin.py"
    plugin.write_text("from tests.plugins.dummy import INTEGRATION_TYPE  # noqa: F401\n")
    supervisor = start_supervisor(
        "--dev", STEWARD_PLUGINS="tests.plugins.dummy,steward_dev_plugin", PYTHONPATH=str(code)
    )
    before = supervisor.children()

    later = time.time() + 5
    os.utime(plugin, (later, later))

    wait_until(
        lambda: supervisor.children().get("web", before["web"]) != before["web"], timeout=30, what="a new web"
    )
    wait_until(lambda: healthy(supervisor.url), timeout=30, interval=0.3, what="GET / after the reload")
    assert "steward_dev_plugin.py changed; restarting web and workers" in supervisor.output()
    assert set(supervisor.children().values()).isdisjoint(before.values())
