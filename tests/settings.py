"""Settings for the test run: orchestrator.settings with an isolated data dir and the dummy plugin.

The environment is set before orchestrator.settings reads it; subprocesses started by tests
(supervisor, qcluster) inherit it.

The suite runs on SQLite unless ``STEWARD_TEST_DATABASE_URL`` names a PostgreSQL server (``make
test-scale``): pytest-django then creates its test database there (``test_<name>``), and
``STEWARD_TEST_REDIS_URL`` puts the channel layer and the cache on Redis. A stray ``DATABASE_URL``
or ``REDIS_URL`` in the developer's shell never reaches the suite.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("STEWARD_DATA_DIR", tempfile.mkdtemp(prefix="steward-test-"))
os.environ.setdefault("STEWARD_PLUGINS", "tests.plugins.dummy")
os.environ.setdefault("STEWARD_TIME_ZONE", "UTC")
for _variable in ("DATABASE_URL", "REDIS_URL"):
    _opted_in = os.environ.get(f"STEWARD_TEST_{_variable}")
    if _opted_in:
        os.environ[_variable] = _opted_in
    else:
        os.environ.pop(_variable, None)  # other PostgreSQL tests opt in explicitly, in subprocesses

from orchestrator.data_dir import data_dir_prepare

data_dir_prepare()  # a test run is a command that needs the data dir and its keys

from orchestrator.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests
