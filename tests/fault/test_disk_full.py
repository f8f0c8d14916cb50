"""The data dir's disk fills up (a small tmpfs): writes fail with an error that says so, nothing
half-written stays behind, and once space is freed the audit chain verifies and keeps growing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import OperationalError, connection

from orchestrator.audit.log import audit
from orchestrator.models import AuditEntry, Task
from orchestrator.queue import enqueue
from tests.fault.outcomes import assert_audit_chain_intact
from tests.queue.databases import SQLITE_NAME, QueueDatabase, connected_to

TMPFS_SIZE = "3m"


@pytest.fixture
def full_disk(tmp_path: Path, sqlite_template_file: Path, django_db_blocker: object) -> Iterator[Path]:
    """A SQLite data dir on its own 3 MB tmpfs (root only: ``mount -t tmpfs``)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {mounted.stderr.strip()}")
    try:
        shutil.copyfile(sqlite_template_file, mount_point / SQLITE_NAME)
        with django_db_blocker.unblock(), connected_to(QueueDatabase(mount_point)):  # type: ignore[attr-defined]
            yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(mount_point: Path) -> Path:
    filler = mount_point / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def enqueue_many(count: int) -> None:
    for n in range(count):
        enqueue("test.record", {"log": "/dev/null", "label": "x" * 20_000, "n": n})


def test_a_full_disk_fails_writes_clearly_and_never_corrupts_the_audit_chain(full_disk: Path):
    for n in range(20):
        audit(f"before the disk filled up #{n}")
    filler = fill(full_disk)

    failures = []
    for n in range(200):  # big entries, so the database must grow past the free pages
        try:
            audit(f"while the disk is full #{n} " + "x" * 20_000)
        except OperationalError as exc:
            failures.append(str(exc))
            connection.close()
    assert failures, "the disk never filled up"
    assert all("full" in message for message in failures), failures[:3]
    with pytest.raises(OperationalError, match="full"):
        enqueue_many(200)

    filler.unlink()
    connection.close()
    assert_audit_chain_intact()
    written = AuditEntry.objects.count()
    audit("after space was freed")
    assert AuditEntry.objects.count() == written + 1
    assert_audit_chain_intact()
    assert Task.objects.count() < 200
