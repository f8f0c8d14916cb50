"""kill -9 of the whole supervisor — web, both clusters, every worker — in the middle of a run;
after a restart every item is processed, no action is done twice, the audit chain is intact."""

from __future__ import annotations

import contextlib
import os
import signal

from orchestrator.running.triggers import integration_trigger
from tests.fault.outcomes import assert_audit_chain_intact, assert_processed_once, effects_in
from tests.fault.tagged_run import configure_tagging
from tests.queue.databases import QueueDatabase
from tests.queue.processes import wait_for_the_run, wait_until
from tests.supervisor.conftest import (
    StartSupervisor,
    alive,
    start_supervisor,
    supervisor_db,
    supervisor_template_file,
)

__all__ = ["start_supervisor", "supervisor_db", "supervisor_template_file"]

ITEMS = 120


def test_a_run_survives_kill_9_of_the_whole_supervisor(
    start_supervisor: StartSupervisor, supervisor_db: QueueDatabase
):
    configure_tagging(ITEMS)
    first = start_supervisor(STEWARD_LOG_LEVEL="WARNING")
    integration_trigger("dummy.one")
    wait_until(lambda: len(effects_in(supervisor_db.data_dir)) >= 10, timeout=90, what="the first actions")

    pids = first.all_pids()
    for pid in pids:  # the power cut: nothing gets a chance to clean up
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not any(alive(pid) for pid in pids), timeout=30, what="every process to die")
    done_before = len(effects_in(supervisor_db.data_dir))
    assert done_before < ITEMS, "the run should have been interrupted mid-way"

    start_supervisor(STEWARD_LOG_LEVEL="WARNING")
    finished = wait_for_the_run(timeout=180, what="the interrupted run to finish after the restart")
    assert finished.status == "done"
    assert_processed_once(supervisor_db.data_dir, ITEMS)
    assert_audit_chain_intact()
