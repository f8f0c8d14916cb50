"""Where markdown mirrors of notes and the audit log go: env vars first, then the config row."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def mirror_directories() -> dict[str, Path]:
    from orchestrator.models import MirrorDirectories

    configured = MirrorDirectories.objects.filter(pk=1).first()
    found: dict[str, Path] = {}
    for label, env_value in (("notes", settings.STEWARD_NOTES_DIR), ("logs", settings.STEWARD_LOGS_DIR)):
        value = env_value or (getattr(configured, label) if configured else "")
        if value:
            found[label] = Path(value).expanduser().resolve()
    return found
