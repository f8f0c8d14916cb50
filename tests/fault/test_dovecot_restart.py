"""Dovecot dies (kill -9 of its whole process group) mid-run and comes back on the same ports: the
workers' IMAP sessions break, their tasks retry on a fresh login, the run completes, and every
message is archived exactly once — in the ledger, at the source, and in the audit chain."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from orchestrator.models import ActionRecord, Item, Task
from orchestrator.running.triggers import integration_trigger
from tests.email.conftest import _ensure_dovecot, scratch, test_ca
from tests.email.dovecot import Dovecot
from tests.email.harness import ImapHarness, make_message
from tests.email.tls import TestCA
from tests.fault.email_home import archiving_integration
from tests.fault.outcomes import assert_audit_chain_intact
from tests.queue.databases import QueueDatabase
from tests.queue.processes import Clusters, cluster_is_up, wait_for_the_run, wait_until

__all__ = ["scratch", "test_ca"]

MESSAGES = 40
DOWN_S = 5.0


@pytest.fixture
def own_dovecot(scratch: Path, test_ca: TestCA) -> Iterator[Dovecot]:
    """A Dovecot of this test's own: restarting it must not disturb the session-wide one."""
    _ensure_dovecot()
    server = Dovecot(scratch / f"restart-{uuid.uuid4().hex[:8]}", test_ca)
    try:
        yield server.start()
    finally:
        server.stop()


def start_cluster(workers: Clusters, name: str) -> None:
    since = time.time()
    # The workers decrypt the IMAP password this process stored: same key.
    key = ",".join(settings.FERNET_KEYS)
    workers.start(name, STEWARD_LOG_LEVEL="WARNING", STEWARD_ENCRYPTION_KEY=key)
    wait_until(lambda: cluster_is_up(name, since), timeout=30, what=f"the {name} cluster to poll")


def kill_dovecot(server: Dovecot) -> None:
    """A crash, not a polite stop: every Dovecot process at once, sessions cut mid-command."""
    assert server.process is not None
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


def test_a_run_completes_after_dovecot_is_restarted_mid_run(
    own_dovecot: Dovecot, sqlite_db: QueueDatabase, workers: Clusters
):
    mailbox = ImapHarness(own_dovecot, "restart")
    mailbox.seed([make_message(n) for n in range(1, MESSAGES + 1)])
    archiving_integration(mailbox.settings)
    start_cluster(workers, "default")
    integration_trigger("email.home")

    archived = ActionRecord.objects.filter(action="archive", status="done")
    wait_until(lambda: archived.count() >= 3, timeout=90, interval=0.05, what="the first archives")
    kill_dovecot(own_dovecot)
    done_while_up = archived.count()
    assert done_while_up < MESSAGES, "the run should have been interrupted mid-way"
    # Down until a task has met the dead server (connection refused or dropped), and at least
    # DOWN_S: the fault must hit a task, not fall between two of them.
    down_since = time.monotonic()

    def met_the_outage() -> bool:
        hit = Task.objects.exclude(error="").exists() or ActionRecord.objects.exclude(error="").exists()
        return hit and time.monotonic() - down_since >= DOWN_S

    wait_until(
        met_the_outage,
        timeout=90,
        interval=0.2,
        what="a task to meet the dead server",
    )
    own_dovecot.launch()

    run = wait_for_the_run(timeout=240, what="the run to finish after Dovecot came back")
    assert run.status == "done", run.status
    failed = Task.objects.filter(status="failed")
    assert not failed.exists(), list(failed.values_list("type", "error"))
    assert Task.objects.filter(attempts__gt=1).exists(), "the outage was met and retried through"

    # At the source: every message in the archive once, none left in the INBOX.
    left = mailbox.contents()
    assert left == {}, ActionRecord.objects.filter(item__key__in=list(left)).values(
        "status", "summary", "error"
    )
    in_archive = mailbox.contents("Archive")
    assert sorted(in_archive) == sorted(f"<{n}@test.example>" for n in range(1, MESSAGES + 1))
    # In the ledger: one done archive per item, no other outcome.
    records = ActionRecord.objects.filter(action="archive")
    per_item = Counter(records.values_list("item_id", flat=True))
    assert len(per_item) == MESSAGES == Item.objects.count()
    assert set(per_item.values()) == {1}, per_item.most_common(3)
    assert set(records.values_list("status", flat=True)) == {"done"}
    assert_audit_chain_intact()
