"""The OpenAPI schema tells the truth: schemathesis with every check against a real daphne server.

Two runs, as people use Steward: local mode (no credentials) and exposed mode with an API token.
Every response the server gives must be documented (status, content type, body shape), valid data
must be accepted, invalid data refused with a 4xx, and nothing may answer 5xx.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.security.conftest import manage

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).parent / "st"
MAX_EXAMPLES = "40"


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("STEWARD_", "DJANGO_"))}
    return environ | {
        "DJANGO_SETTINGS_MODULE": "orchestrator.settings",
        "STEWARD_DATA_DIR": str(data_dir),
        "STEWARD_TIME_ZONE": "UTC",
        **extra,
    }


def daphne(data_dir: Path, port: int, **extra: str) -> Iterator[str]:
    log = (data_dir / "daphne.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "orchestrator.asgi:application"],
        cwd=REPO_ROOT,
        env=server_env(data_dir, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail(f"daphne did not start: {(data_dir / 'daphne.log').read_text()[-2000:]}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def schemathesis_run(url: str, *headers: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    args = [str(SCHEMATHESIS), "run", f"{url}/api/openapi.json", "--checks", "all"]
    args += ["--max-examples", MAX_EXAMPLES, "--no-color", "--seed", "1"]
    for header in headers:
        args += ["-H", header]
    # cwd: schemathesis keeps its example database there, out of the checkout.
    return subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, cwd=cwd)


@pytest.fixture
def local_server(tmp_path: Path, free_port: int) -> Iterator[str]:
    assert manage(["migrate", "--no-input", "-v", "0"], tmp_path).returncode == 0
    yield from daphne(tmp_path, free_port)


@pytest.fixture
def exposed_server(tmp_path: Path, free_port: int) -> Iterator[tuple[str, str]]:
    env = {"STEWARD_AUTH": "required"}
    assert manage(["migrate", "--no-input", "-v", "0"], tmp_path, **env).returncode == 0
    made = manage(["ensure_admin"], tmp_path, **env)
    assert made.returncode == 0, made.stderr
    token = manage(["create_api_token", "schemathesis"], tmp_path, **env)
    assert token.returncode == 0, token.stderr
    for url in daphne(tmp_path, free_port, **env):
        yield url, token.stdout.strip()


def test_the_schema_matches_the_wire_in_local_mode(local_server, tmp_path):
    result = schemathesis_run(local_server, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    assert " passed" in result.stdout


def test_the_schema_matches_the_wire_in_exposed_mode_with_a_token(exposed_server, tmp_path):
    url, token = exposed_server
    assert httpx.get(f"{url}/api/openapi.json").status_code == 401  # the token is what lets it in
    result = schemathesis_run(url, f"Authorization: Bearer {token}", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    assert " passed" in result.stdout


def test_exposed_mode_without_a_token_refuses_every_operation_with_a_documented_401(exposed_server, tmp_path):
    url, token = exposed_server
    schema = httpx.get(f"{url}/api/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert schema.status_code == 200
    schema_file = tmp_path / "openapi.json"
    schema_file.write_text(schema.text)
    # The schema from the token holder, the requests from someone without one: every answer is a
    # 401 the schema documents, never a 5xx and never data.
    args = [str(SCHEMATHESIS), "run", str(schema_file), "--url", url, "--checks", "all"]
    # Authentication is checked before routing, so an unsupported method (TRACE) is also a 401,
    # not a 405: nothing about the API is told to a caller without credentials.
    args += ["--exclude-checks", "unsupported_method", "--warnings", "off"]
    args += ["--max-examples", "5", "--no-color", "--seed", "1"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    assert " passed" in result.stdout
