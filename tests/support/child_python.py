"""The project's Python in a child process (``manage.py …``, ``-c …``), as a person runs it from the
repository root, with its output captured as text."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence

from tests.conftest import REPO_ROOT


def child_python(
    args: Sequence[str], env: Mapping[str, str], *, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python *args*`` from the repository root with exactly *env*; a failure is returned, not raised."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
