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
os.environ.setdefault("STEWARD_EVALUATE_GATHER_S", "0")  # evaluate after the backlog: no timed waits
os.environ.pop("DATABASE_URL", None)  # PostgreSQL tests opt in explicitly, in subprocesses
os.environ.pop("REDIS_URL", None)

from orchestrator.data_dir import data_dir_prepare

data_dir_prepare()  # a test run is a command that needs the data dir and its keys

from orchestrator.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests

# `make test-scale`: this process's database and Redis only — subprocesses started by tests keep
# choosing theirs explicitly (tests/queue/databases.py), as in the default run.
# Popped: a subprocess that loads these settings (manage.py commands in tests) stays on SQLite.
_TEST_DATABASE_URL = os.environ.pop("STEWARD_TEST_DATABASE_URL", None)
if _TEST_DATABASE_URL:
    import dj_database_url

    DATABASE_URL = _TEST_DATABASE_URL
    DATABASES = {"default": dj_database_url.parse(_TEST_DATABASE_URL)}
_TEST_REDIS_URL = os.environ.pop("STEWARD_TEST_REDIS_URL", None)
if _TEST_REDIS_URL:
    REDIS_URL = _TEST_REDIS_URL
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [_TEST_REDIS_URL]},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _TEST_REDIS_URL}
    }
