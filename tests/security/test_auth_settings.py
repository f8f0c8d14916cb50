"""Authentication follows the bind address, and `STEWARD_AUTH=off` on a public bind is refused.

Each case is a fresh process: settings are read once, at startup (the local default is checked
in-process by test_local_mode).
"""

from __future__ import annotations

import pytest

from tests.security.conftest import manage

SHOW = "from django.conf import settings; print(settings.AUTH_REQUIRED, '*' in settings.ALLOWED_HOSTS)"


def test_auth_off_on_a_public_bind_refuses_to_load(tmp_path):
    result = manage(["check"], tmp_path, STEWARD_AUTH="off", STEWARD_BIND_HOST="0.0.0.0")
    assert result.returncode != 0
    assert "STEWARD_AUTH=off is refused while bound to 0.0.0.0" in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"STEWARD_BIND_HOST": "0.0.0.0"}, "True True"),
        ({"STEWARD_AUTH": "required"}, "True False"),
    ],
)
def test_auth_mode_follows_the_bind_address(tmp_path, env, expected):
    result = manage(["shell", "-v", "0", "-c", SHOW], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
