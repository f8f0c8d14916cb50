"""Test-wide fixtures: the real-services switches, ports, clients and the dummy integration.

The isolated data dir and the dummy plugin are set up by tests/settings.py.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from orchestrator.supervision import _accepts_connections as accepts_connections  # the supervisor's probe
from tests import hypothesis_profiles  # noqa: F401  # registers and selects the Hypothesis profile

REPO_ROOT = Path(__file__).resolve().parent.parent
# Test data written for this repository (see tests/fixtures/README.md): what the suite runs on.
FIXTURES = REPO_ROOT / "tests" / "fixtures"
# Recorded real data (emails copied from other projects' test corpora) may sit beside the checkout;
# when it does, tests/email/test_recorded_corpus.py runs the same checks over it as well.
RECORDED_FIXTURES = Path(os.environ.get("STEWARD_FIXTURES_DIR") or REPO_ROOT.parent / "shared" / "fixtures")
RECORDED_MISSING = f"recorded corpus not found at {RECORDED_FIXTURES}; set STEWARD_FIXTURES_DIR to run it"


POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"
# The Redis database of tests that start Redis-backed servers of their own; each CI part names its
# own (.ci/run runs the parts side by side), so their channel groups never meet.
REDIS_TEST_URL = os.environ.get("STEWARD_TEST_AUX_REDIS_URL") or "redis://127.0.0.1:6379/0"


def scale_run() -> bool:
    """True under ``make test-scale``: the suite's own database is PostgreSQL (tests/settings.py)."""
    from django.conf import settings

    return str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")


# Fixtures that open the suite's own database in this process (pytest-django blocks every other
# test from it). Under `make test-scale` only tests that use one, or that live where the cache and
# channel layer (Redis there) are in play, can observe the switch to PostgreSQL + Redis.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)
REDIS_SENSITIVE_DIRS = ("tests/api/", "tests/chat/", "tests/security/", "tests/ui/")


def sees_the_suite_database(item: pytest.Item) -> bool:
    """Whether this test's outcome can depend on the suite's database and Redis.

    The rest — pure functions, and subprocess tests that configure their own database and Redis
    (their ``[sqlite]``/``[postgres]`` variants run in ``make test`` already) — would repeat the
    SQLite run exactly, so ``make test-scale`` leaves them to ``make test``."""
    if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    # Slow ones there start real servers with a database and Redis of their own (or none).
    return item.nodeid.startswith(REDIS_SENSITIVE_DIRS) and not item.get_closest_marker("slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not scale_run():
        return
    skip = pytest.mark.skip(
        reason="about the embedded setup (marked sqlite_only); this run is on PostgreSQL + Redis"
    )
    kept, repeated = [], []
    for item in items:
        (kept if sees_the_suite_database(item) else repeated).append(item)
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)
    if repeated:
        config.hook.pytest_deselected(items=repeated)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str | None:
    if scale_run():
        return "scale run: tests that cannot see the suite's database or Redis run in `make test` only"
    return None


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under ``make test-scale``: Channels' ``database_sync_to_async`` closes "old" connections,
    and on PostgreSQL that closes the connection holding the test's transaction (SQLite's
    in-memory test database ignores the close). Real servers are unaffected: there is no test
    transaction there."""
    if scale_run():
        import channels.db

        monkeypatch.setattr(channels.db, "close_old_connections", lambda **kwargs: None)


def pytest_sessionstart(session: pytest.Session) -> None:
    from django.conf import settings

    redis_url = settings.REDIS_URL
    if redis_url:  # the cache (login throttling) starts empty, as locmem does
        import redis

        redis.Redis.from_url(redis_url).flushdb()


def services_required() -> bool:
    return os.environ.get("STEWARD_REQUIRE_SERVICES") == "1"


def require_service(name: str, host: str, port: int) -> None:
    """Skip loudly when a real service is missing — or fail, where CI demands the services."""
    if accepts_connections(host, port):
        return
    message = f"{name} is not answering on {host}:{port}"
    if services_required():
        pytest.fail(f"{message} and STEWARD_REQUIRE_SERVICES=1")
    pytest.skip(f"SKIPPED FOR A MISSING SERVICE: {message}")


@pytest.fixture
def postgres_url() -> str:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", "127.0.0.1", 6379)
    return REDIS_TEST_URL


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api_client() -> object:
    """Django's test client speaking as a local curl would (Host: localhost, no Origin)."""
    from django.test import Client

    return Client(HTTP_HOST="localhost")


@pytest.fixture
def dummy_integration(db: None) -> object:
    """``dummy.one`` with platform ``items`` (count 3), as the Foundation acceptance configures it."""
    from orchestrator.models import Integration, PlatformConfig

    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(integration=integration, name="items", options={"count": 3})
    return integration


@pytest.fixture(autouse=True)
def _fresh_dummy_effects() -> None:
    """Each test starts with no recorded dummy effects (the data dir lives for the whole session)."""

    from django.conf import settings

    shutil.rmtree(Path(settings.DATA_DIR) / "dummy", ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_queue_policies() -> None:
    """A rolled-back test sends no signal: no test may see the policies another one cached."""
    from orchestrator.queue.policies import policies_forget

    policies_forget()


@pytest.fixture(autouse=True)
def _fresh_integration_list() -> None:
    """A rolled-back test sends no signal: no test may see the list another one rendered."""
    from orchestrator.api.integration_list import integration_list_forget

    integration_list_forget()
