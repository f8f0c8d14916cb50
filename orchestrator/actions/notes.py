"""Notes: service results stored in the database and, with a notes directory, as markdown files.

Files are written atomically (temp file + rename) and their path is confined to the notes directory:
a configured ``on_result.path`` such as ``../../etc`` is refused at save time and again here.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from django.utils import timezone

from orchestrator.mirrors import mirror_directories
from orchestrator.models import Item, Note
from orchestrator.rules.result_routes import note_folder_error


class UnsafeNotePath(ValueError):
    pass


def check_note_dir(relative: str) -> PurePosixPath:
    """Validate a configured note folder: relative, no ``..``, no absolute or home paths."""
    problem = note_folder_error(relative)
    if problem:
        raise UnsafeNotePath(problem)
    return PurePosixPath(relative or ".")


def _slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60] or "note"


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".note-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def note_create(
    *,
    title: str,
    body: str,
    source: str = "",
    metadata: dict[str, Any] | None = None,
    folder: str = "",
    item: Item | None = None,
) -> Note:
    """Store a note; mirror it as ``<folder>/<date>-<slug>.md`` with YAML frontmatter if configured."""
    metadata = metadata or {}
    relative = ""
    notes_dir = mirror_directories().get("notes")
    if notes_dir is not None:
        folder_path = check_note_dir(folder)
        stamp = timezone.localtime()
        name = f"{stamp:%Y-%m-%d-%H%M%S}-{_slug(title)}.md"
        target = (notes_dir / folder_path / name).resolve()
        if not target.is_relative_to(notes_dir):
            raise UnsafeNotePath(f"note path {folder!r} escapes the notes directory")
        front = {"title": title, "source": source, "created": stamp.isoformat(), **metadata}
        _write_atomically(target, f"---\n{yaml.safe_dump(front, sort_keys=True)}---\n\n{body}\n")
        relative = str(target.relative_to(notes_dir))
    return Note.objects.create(
        title=title, body=body, source=source, metadata=metadata, path=relative, item=item
    )
