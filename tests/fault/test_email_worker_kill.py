"""A worker SIGKILLed mid-act on a real Dovecot: after the retry every message is in the Archive
exactly once, the INBOX is empty, and the ledger and the audit chain say what happened.

An IMAP tap (tests/fault/imap_tap.py) freezes the third ``UID MOVE`` of the run and the test kills
the worker that sent it, at one of the two moments that matter:

- after Dovecot moved the message, before the worker heard so — the ledger row stays ``started``;
  the retry must reconcile it (found in the Archive, gone from the INBOX) and not move it again;
- before Dovecot saw the command — the retry must find the move not done and do it, once.

A third test kills the worker in the middle of ``collect`` (the message bodies fetched, not yet
stored): the collect runs again and each message is acted on once.
"""

from __future__ import annotations

import imaplib
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings

from orchestrator.models import ActionRecord, AuditEntry, Item, Task
from orchestrator.running.triggers import integration_trigger
from orchestrator.supervision import session_pids
from tests.email.conftest import dovecot, scratch, test_ca
from tests.email.dovecot import PASSWORD, Dovecot
from tests.email.harness import ImapHarness, make_message, message_id_of
from tests.fault.email_home import archiving_integration
from tests.fault.imap_tap import ImapTap, Trap
from tests.fault.outcomes import assert_audit_chain_intact
from tests.queue.processes import Clusters, cluster_is_up, wait_for_the_run, wait_until

__all__ = ["dovecot", "scratch", "test_ca"]

MESSAGES = 6
# An 8 s lease (production: 20 s) so the killed worker's task is claimed again soon; every task
# of this small run takes well under the 8 s timeout.
LEASE = {"STEWARD_Q_TIMEOUT": "8", "STEWARD_Q_RETRY": "8"}
MOVE = re.compile(rb"^\S+ UID MOVE ")
BODIES = re.compile(rb"^\S+ UID FETCH \S+ \(UID BODY\.PEEK\[\]\)")


@dataclass
class Setup:
    mailbox: ImapHarness
    tap: ImapTap
    workers: Clusters
    cluster: int  # the cluster's session id (its sentinel's PID)


def start(dovecot: Dovecot, workers: Clusters, trap: Trap, name: str) -> Iterator[Setup]:
    """``email.home`` on a fresh Dovecot user reached through a tap with *trap*, one cluster."""
    mailbox = ImapHarness(dovecot, f"kill-{name}-{time.monotonic_ns()}")
    mailbox.seed([make_message(n) for n in range(1, MESSAGES + 1)])
    with ImapTap(dovecot.plain_port, trap).running() as tap:
        archiving_integration({**mailbox.settings, "imap_port": tap.port})
        since = time.time()
        # The workers decrypt the IMAP password this process stored: same key.
        key = ",".join(settings.FERNET_KEYS)
        process = workers.start(STEWARD_LOG_LEVEL="WARNING", STEWARD_ENCRYPTION_KEY=key, **LEASE)
        try:
            wait_until(lambda: cluster_is_up("default", since), timeout=30, what="the cluster to poll")
            yield Setup(mailbox, tap, workers, process.pid)
        finally:
            workers.stop_all()  # before the tap: their IMAP sessions end with them


def kill_the_trapped_worker(setup: Setup) -> int:
    """Wait for the trap, SIGKILL the worker holding the frozen connection; its PID."""
    integration_trigger("email.home")
    trap = setup.tap.trap
    wait_until(trap.sprung.is_set, timeout=60, interval=0.05, what=f"the trap on {trap.pattern.pattern!r}")
    pid = setup.tap.holder_pid(session_pids(setup.cluster))
    assert pid != setup.cluster, "the trapped connection belongs to a worker, not the sentinel"
    os.kill(pid, signal.SIGKILL)
    return pid


def message_ids(mailbox: ImapHarness, folder: str) -> list[str]:
    """Every message in *folder*, by Message-ID — duplicates kept (``contents`` would merge them)."""
    conn = imaplib.IMAP4("127.0.0.1", mailbox.server.plain_port)
    conn.login(mailbox.user, PASSWORD)
    try:
        conn.select(f'"{folder}"', readonly=True)
        _, data = conn.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        return [message_id_of(part[1]) or "?" for part in data if isinstance(part, tuple)]
    finally:
        conn.logout()


def assert_archived_once(mailbox: ImapHarness, messages: int = MESSAGES, timeout: float = 60) -> None:
    """The run finished; at the source, in the ledger and in the audit: each message archived once."""
    run = wait_for_the_run(timeout=timeout, what="the run to finish after the kill")
    assert run.status == "done", run.status
    failed = Task.objects.filter(status="failed")
    assert not failed.exists(), list(failed.values_list("type", "error"))
    expected = sorted(f"<{n}@test.example>" for n in range(1, messages + 1))
    assert message_ids(mailbox, "INBOX") == []
    assert sorted(message_ids(mailbox, "Archive")) == expected  # each once
    assert Item.objects.count() == messages
    records = ActionRecord.objects.filter(action="archive")
    assert Counter(records.values_list("item__key", flat=True)) == Counter(
        {key: 1 for key in Item.objects.values_list("key", flat=True)}
    )
    assert set(records.values_list("status", flat=True)) == {"done"}
    audited = Counter(AuditEntry.objects.filter(action="archive").values_list("item_key", flat=True))
    assert audited == Counter({key: 1 for key in Item.objects.values_list("key", flat=True)}), audited
    assert_audit_chain_intact()


def trapped_item(setup: Setup) -> Item:
    uid = int(setup.tap.trap.line.split()[3])
    return next(item for item in Item.objects.all() if (item.snapshot or {}).get("uid") == uid)


@pytest.fixture
def moved_unheard(dovecot: Dovecot, workers: Clusters) -> Iterator[Setup]:
    yield from start(dovecot, workers, Trap(MOVE, nth=3, when="after"), "after")


@pytest.fixture
def move_unsent(dovecot: Dovecot, workers: Clusters) -> Iterator[Setup]:
    yield from start(dovecot, workers, Trap(MOVE, nth=3, when="before"), "before")


@pytest.fixture
def collect_unheard(dovecot: Dovecot, workers: Clusters) -> Iterator[Setup]:
    yield from start(dovecot, workers, Trap(BODIES, nth=1, when="after"), "collect")


def test_a_move_done_before_its_worker_is_killed_is_reconciled_not_repeated(moved_unheard: Setup) -> None:
    setup = moved_unheard
    kill_the_trapped_worker(setup)
    assert_archived_once(setup.mailbox)
    # The interrupted move was found done on the retry: the ledger and the audit say so.
    item = trapped_item(setup)
    record = ActionRecord.objects.get(action="archive", item=item)
    assert record.summary == "archive: found done after the worker died", record.summary
    assert record.task is not None
    assert record.task.attempts >= 2
    entry = AuditEntry.objects.get(action="archive", item_key=item.key)
    assert "found done on retry" in entry.message, entry.message
    # Each message was moved by exactly one UID MOVE (the reconcile only looked).
    assert sum(1 for line in setup.tap.commands if MOVE.search(line)) == MESSAGES


def test_a_move_cut_before_the_server_saw_it_is_done_once_on_the_retry(move_unsent: Setup) -> None:
    setup = move_unsent
    kill_the_trapped_worker(setup)
    assert_archived_once(setup.mailbox)
    item = trapped_item(setup)
    record = ActionRecord.objects.get(action="archive", item=item)
    assert record.summary.startswith("moved from INBOX to Archive"), record.summary
    assert record.task is not None
    assert record.task.attempts >= 2
    entry = AuditEntry.objects.get(action="archive", item_key=item.key)
    assert "found done" not in entry.message, entry.message
    # The cut command never reached the server; the retry sent its own.
    assert sum(1 for line in setup.tap.commands if MOVE.search(line)) == MESSAGES + 1


def test_a_worker_killed_mid_collect_leaves_each_message_collected_and_archived_once(
    collect_unheard: Setup,
) -> None:
    setup = collect_unheard
    kill_the_trapped_worker(setup)
    assert_archived_once(setup.mailbox)
    collects = Task.objects.filter(type="email.inbox.collect")
    assert collects.filter(attempts__gte=2).exists(), list(collects.values_list("attempts", "status"))
    assert not ActionRecord.objects.exclude(status="done").exists()
