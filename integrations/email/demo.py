"""The bundled demo: ``email.personal`` over a copy of ``demo/maildir`` in the data dir.

:func:`demo_setup` is idempotent and cheap, so ``make run`` can call it on every start: the
Maildir is copied once, the config imported once and one run queued once, for a fresh data dir (a
marker in the data dir remembers it, so an integration the person later deletes is not brought
back, and later starts do not pile up runs that find nothing new).
"""

from __future__ import annotations

import json
import mailbox
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from integrations.email.maildir import CONVENTIONAL

DEMO_ID = "email.personal"
MAILDIR_NAME = "demo-maildir"
MARKER_NAME = "demo-setup.json"


def demo_dir() -> Path:
    return Path(settings.BASE_DIR) / "demo"


@dataclass
class DemoSetup:
    copied: bool = False
    imported: bool = False
    queued: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def demo_maildir_copy(source: Path, target: Path) -> bool:
    """Copy the bundled Maildir to *target* (never over an existing one); True if copied."""
    if target.exists():
        return False
    shutil.copytree(source, target)
    (target / "tmp").mkdir(exist_ok=True)  # git does not keep empty directories
    box = mailbox.Maildir(str(target), create=False)
    for names in CONVENTIONAL.values():
        if names[0] not in box.list_folders():
            box.add_folder(names[0])
    for sub in ("new", "cur"):
        for path in (target / sub).iterdir():
            stamp = path.name.split(".", 1)[0]
            if stamp.isdigit():  # delivery time, from the file name (a checkout resets mtimes)
                os.utime(path, (int(stamp), int(stamp)))
    return True


def _import_config(config_path: Path) -> list[str]:
    from orchestrator.config_io.importing import config_import
    from orchestrator.config_io.yaml_format import load_yaml
    from orchestrator.models import LLMProfile

    document = load_yaml(config_path.read_text(encoding="utf-8"), source=str(config_path))
    notes = []
    # Never overwrite an LLM profile the person already has under the demo's name.
    for name in list(document.get("llms") or {}):
        if LLMProfile.objects.filter(name=name).exists():
            del document["llms"][name]
            notes.append(f"kept your existing LLM profile {name!r}")
    report = config_import(config=document, secrets={})
    return notes + [f"Notice: {notice}" for notice in report.notices]


def demo_setup(*, run: bool = True) -> DemoSetup:
    from orchestrator.models import Integration
    from orchestrator.running.triggers import TriggerError, integration_trigger

    result = DemoSetup()
    data_dir = Path(settings.DATA_DIR)
    result.copied = demo_maildir_copy(demo_dir() / "maildir", data_dir / MAILDIR_NAME)
    marker = data_dir / MARKER_NAME
    exists = Integration.objects.filter(type="email", name="personal").exists()
    if not marker.exists() and not exists:
        result.notes.extend(_import_config(demo_dir() / "config.yaml"))
        result.imported = True
    first_setup = not marker.exists()
    if first_setup:
        marker.write_text(json.dumps({"integration": DEMO_ID, "maildir": MAILDIR_NAME}) + "\n")
    elif run:
        result.notes.append(
            f"Demo already set up: no new run queued (start one with "
            f"`manage.py run_integration {DEMO_ID} --wait`)"
        )
    if run and first_setup:
        try:
            result.queued = [task.uid for task in integration_trigger(DEMO_ID)]
        except TriggerError as exc:
            result.notes.append(f"no run queued: {exc.detail}")
    return result
