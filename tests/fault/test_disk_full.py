"""The data dir's disk fills up (a small tmpfs): writes fail with an error that says so, nothing
half-written stays behind, and once space is freed the audit chain verifies and keeps growing."""

from __future__ import annotations

import os
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


def free_pages(filler: Path, pages: int) -> None:
    """Give *pages* pages (4 KiB) of the full disk back, by shortening the filler."""
    size = filler.stat().st_size
    os.truncate(filler, max(size - pages * 4096, 0))


def audit_or_fail(message: str, written: list[str], failures: list[str]) -> None:
    try:
        audit(message)
    except OperationalError as exc:
        failures.append(str(exc))
        connection.close()
    else:
        written.append(message)


def assert_log_holds_exactly(written: list[str]) -> None:
    """The chain verifies and holds every entry whose write returned, and no other."""
    assert_audit_chain_intact()
    assert list(AuditEntry.objects.order_by("seq").values_list("message", flat=True)) == written


def test_a_full_disk_fails_writes_clearly_and_never_corrupts_the_audit_chain(full_disk: Path):
    written: list[str] = []
    failures: list[str] = []
    for n in range(20):
        audit_or_fail(f"before the disk filled up #{n}", written, failures)
    assert not failures
    filler = fill(full_disk)

    for n in range(200):  # big entries, so the database must grow past the free pages
        audit_or_fail(f"while the disk is full #{n} " + "x" * 20_000, written, failures)
    assert failures, "the disk never filled up"
    assert all("full" in message for message in failures), failures[:3]
    with pytest.raises(OperationalError, match="full"):
        enqueue_many(200)
    connection.close()
    assert_log_holds_exactly(written)  # read while still full: intact, nothing half-written

    # Space comes back a page at a time, so some write finds room for part of its work only
    # (the entry but not the head, were they not one transaction); the chain must hold each time.
    refilled = len(failures)
    for step in range(60):
        free_pages(filler, 1)
        audit_or_fail(f"while space returns #{step} " + "y" * 3000, written, failures)
        assert_log_holds_exactly(written)
    assert len(failures) > refilled, "no write met the nearly full disk"

    filler.unlink()
    connection.close()
    assert_log_holds_exactly(written)
    audit("after space was freed")
    written.append("after space was freed")
    assert_log_holds_exactly(written)
    assert Task.objects.count() < 200
