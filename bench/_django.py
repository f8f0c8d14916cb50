"""A scratch Steward for a benchmark (a helper: `make bench` skips `_*.py`)."""

from __future__ import annotations

import os
from pathlib import Path


def scratch_environment(data_dir: Path) -> None:
    """Settings for a throwaway Steward in *data_dir*: SQLite, no Redis, the dummy plugin, UTC."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "orchestrator.settings",
            "STEWARD_DATA_DIR": str(data_dir),
            "STEWARD_PLUGINS": "tests.plugins.dummy",
            "STEWARD_TIME_ZONE": "UTC",
            "STEWARD_LOG_LEVEL": "WARNING",
        }
    )
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
