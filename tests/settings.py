"""Settings for the test run: orchestrator.settings with an isolated data dir and the dummy plugin.

The environment is set before orchestrator.settings reads it; subprocesses started by tests
(supervisor, qcluster) inherit it.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("STEWARD_DATA_DIR", tempfile.mkdtemp(prefix="steward-test-"))
os.environ.setdefault("STEWARD_PLUGINS", "tests.plugins.dummy")
os.environ.setdefault("STEWARD_TIME_ZONE", "UTC")
os.environ.setdefault("STEWARD_EVALUATE_GATHER_S", "0")  # evaluate after the backlog: no timed waits
os.environ.pop("DATABASE_URL", None)  # PostgreSQL tests opt in explicitly, in subprocesses
os.environ.pop("REDIS_URL", None)

from orchestrator.data_dir import data_dir_prepare

data_dir_prepare()  # a test run is a command that needs the data dir and its keys

from orchestrator.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests
