"""Security fixtures: exposed-mode settings, a fresh login-throttle counter, subprocess environments."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from tests.support.child_python import child_python


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    cache.clear()  # failed-login counters live in the (process-wide) cache


@pytest.fixture
def exposed(settings) -> None:
    """What `supervisor --expose` gives its children: authentication on, any Host accepted."""
    settings.AUTH_REQUIRED = True
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture
def remote_client(exposed) -> Client:
    """A client on another machine: a public host name, no session, no token."""
    return Client(HTTP_HOST="steward.example.com")


def manage(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` with the real settings in its own data dir; *env* adds variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("STEWARD_", "DJANGO_"))}
    environ |= {
        "DJANGO_SETTINGS_MODULE": "orchestrator.settings",
        "STEWARD_DATA_DIR": str(data_dir),
        "STEWARD_TIME_ZONE": "UTC",
        **env,
    }
    return child_python(["manage.py", *args], environ)
