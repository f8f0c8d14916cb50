"""Service results become notes, mirrored as files confined to the notes directory."""

from __future__ import annotations

import pytest

from orchestrator.actions.notes import UnsafeNotePath, check_note_dir, note_create

pytestmark = pytest.mark.django_db


def test_note_is_stored_without_a_notes_directory():
    note = note_create(title="Terms update", body="# Changes\n- more tracking", source="dummy.one.echo")
    assert note.pk
    assert note.path == ""


def test_note_is_mirrored_with_frontmatter(settings, tmp_path):
    settings.STEWARD_NOTES_DIR = str(tmp_path)
    note = note_create(
        title="Terms update", body="Body text", source="dummy.one.echo", folder="research/terms/"
    )
    file = tmp_path / note.path
    assert note.path.startswith("research/terms/")
    text = file.read_text()
    assert text.startswith("---\n")
    assert "title: Terms update" in text
    assert text.rstrip().endswith("Body text")


@pytest.mark.parametrize("folder", ["../../etc", "/etc", "a/../../b", "~/x"])
def test_escaping_note_paths_are_refused(settings, tmp_path, folder):
    settings.STEWARD_NOTES_DIR = str(tmp_path)
    with pytest.raises(UnsafeNotePath):
        check_note_dir(folder)
    with pytest.raises(UnsafeNotePath):
        note_create(title="x", body="y", folder=folder)
