"""kill -9 of the whole supervisor — web, the sentinel, every worker — in the middle of an email run
on a real Dovecot; after a restart each message is archived exactly once, at the source, in the
ledger and in the audit chain."""

from __future__ import annotations

import contextlib
import os
import signal
import time

from django.conf import settings

from orchestrator.models import ActionRecord
from orchestrator.running.triggers import integration_trigger
from tests.email.conftest import dovecot, scratch, test_ca
from tests.email.dovecot import Dovecot
from tests.email.harness import ImapHarness, make_message
from tests.fault.email_home import archiving_integration
from tests.fault.test_email_worker_kill import assert_archived_once
from tests.queue.databases import QueueDatabase
from tests.queue.processes import wait_until
from tests.supervisor.conftest import (
    StartSupervisor,
    alive,
    start_supervisor,
    supervisor_db,
    supervisor_template_file,
)

__all__ = ["dovecot", "scratch", "start_supervisor", "supervisor_db", "supervisor_template_file", "test_ca"]

MESSAGES = 40


def test_an_email_run_survives_kill_9_of_the_whole_supervisor(
    start_supervisor: StartSupervisor, supervisor_db: QueueDatabase, dovecot: Dovecot
):
    mailbox = ImapHarness(dovecot, f"supervisor-kill-{time.monotonic_ns()}")
    mailbox.seed([make_message(n) for n in range(1, MESSAGES + 1)])
    archiving_integration(mailbox.settings)
    # The workers decrypt the IMAP password this process stored: same key.
    env = {"STEWARD_LOG_LEVEL": "WARNING", "STEWARD_ENCRYPTION_KEY": ",".join(settings.FERNET_KEYS)}
    first = start_supervisor(**env)
    integration_trigger("email.home")
    archived = ActionRecord.objects.filter(action="archive", status="done")
    wait_until(lambda: archived.count() >= 3, timeout=90, interval=0.05, what="the first archives")

    pids = first.all_pids()
    for pid in pids:  # the power cut: nothing gets a chance to clean up
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not any(alive(pid) for pid in pids), timeout=30, what="every process to die")
    assert archived.count() < MESSAGES, "the run should have been interrupted mid-way"

    start_supervisor(**env)
    assert_archived_once(mailbox, MESSAGES, timeout=180)
