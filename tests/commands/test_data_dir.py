"""Importing the settings writes nothing; the commands that need the data dir create it and its keys."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from orchestrator.data_dir import data_dir_prepare, stored_fernet_keys, stored_secret_key
from tests.support.child_python import child_python


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STEWARD_SECRET_KEY", "SECRET_KEY")}
    env.pop("STEWARD_ENCRYPTION_KEY", None)
    return {**env, "STEWARD_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "orchestrator.settings"}


def _python(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return child_python(args, _env(data_dir))


def test_importing_the_settings_creates_no_directory_and_no_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    done = _python(data_dir, "-c", "import django; django.setup()")
    assert done.returncode == 0, done.stderr
    assert not data_dir.exists()


@pytest.mark.slow
def test_manage_check_writes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    done = _python(data_dir, "manage.py", "check")
    assert done.returncode == 0, done.stderr
    assert not data_dir.exists()


def test_preparing_creates_private_keys_once_and_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("STEWARD_SECRET_KEY", "SECRET_KEY", "STEWARD_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    data_dir_prepare(tmp_path)
    secret, fernet = stored_secret_key(tmp_path), stored_fernet_keys(tmp_path)
    assert secret
    assert len(fernet) == 1
    for name in ("secret_key", "fernet.key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    data_dir_prepare(tmp_path)
    assert (stored_secret_key(tmp_path), stored_fernet_keys(tmp_path)) == (secret, fernet)


def test_keys_from_the_environment_are_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("STEWARD_ENCRYPTION_KEY", "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=")
    data_dir_prepare(tmp_path)
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "fernet.key").exists()
    assert stored_secret_key(tmp_path) == "from-the-environment"


@pytest.mark.slow
def test_migrate_prepares_the_data_dir_for_make_run(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    done = _python(data_dir, "manage.py", "migrate", "--noinput", "-v0")
    assert done.returncode == 0, done.stderr
    assert {"secret_key", "fernet.key", "steward.sqlite3"} <= {p.name for p in data_dir.iterdir()}
