"""The recorded GitHub responses kept beside the repository (``../shared/fixtures/github`` or
``$STEWARD_FIXTURES_DIR/github``), when present, through the same parsers: an extra run, never
required — skipped with one line when the corpus is absent."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from integrations.github.collecting import issue_snapshot, pull_snapshot
from integrations.github.items import MalformedItem, common_fields, is_pull_request, repo_of
from integrations.github.search import issue_fields, pull_fields


def _corpus() -> Path | None:
    base = os.environ.get("STEWARD_FIXTURES_DIR")
    root = Path(base) if base else Path(__file__).resolve().parents[3] / "shared" / "fixtures"
    folder = root / "github"
    return folder if folder.is_dir() else None


CORPUS = _corpus()
pytestmark = pytest.mark.skipif(
    CORPUS is None, reason="recorded GitHub corpus absent (../shared/fixtures/github)"
)


def recorded(name: str) -> Any:
    assert CORPUS is not None
    return json.loads((CORPUS / name).read_text())


@pytest.mark.parametrize(
    "name", ["search_issues.json", "search_issues_2022.json", "search_issues_legacy_2014.json"]
)
def test_every_recorded_search_result_becomes_an_item_of_exactly_one_platform(name: str) -> None:
    body = recorded(name)
    for found in body["items"]:
        key, fields = common_fields(found)
        assert key == f"{repo_of(found)}#{found['number']}"
        as_pull, as_issue = pull_fields(found), issue_fields(found)
        assert (as_pull is None) != (as_issue is None), key
        assert (as_pull is not None) == is_pull_request(found)
        assert isinstance(fields["title"], str)


def test_the_legacy_search_tells_pull_requests_from_issues_by_their_urls() -> None:
    items = recorded("search_issues_legacy_2014.json")["items"]
    assert sorted(found["number"] for found in items if is_pull_request(found)) == [143, 144]


def test_recorded_pull_requests_snapshot_with_status_and_sizes() -> None:
    open_pull = pull_snapshot("PyGithub/PyGithub", recorded("pull.json"))
    sizes = (open_pull["additions"], open_pull["deletions"], open_pull["changed_files"])
    assert (open_pull["status"], sizes) == ("open", (8, 4, 3))
    merged = pull_snapshot("sigmavirus24/github3.py", recorded("pull_merged.json"))
    assert (merged["status"], merged["additions"]) == ("merged", 18)


def test_recorded_issues_snapshot_including_a_null_body_and_a_pull_request() -> None:
    assert issue_snapshot("EnricoMi/PyGithub", recorded("issue_null_body.json"))["body"] == ""
    closed = issue_snapshot("PyGithub/PyGithub", recorded("issue.json"))
    assert (closed["state"], closed["labels"], closed["comment_count"]) == ("closed", ["bug", "question"], 3)
    assert is_pull_request(recorded("issue_is_pull_request.json"))


def test_a_recorded_diff_decodes_and_a_non_object_is_malformed() -> None:
    assert CORPUS is not None
    assert "diff --git" in (CORPUS / "pull.diff").read_bytes().decode("utf-8", "replace")
    with pytest.raises(MalformedItem):
        common_fields(recorded("errors/404_not_found.json"))
