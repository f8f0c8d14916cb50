"""The recorded GitHub responses kept beside the repository (``../shared/fixtures/github`` or
``$STEWARD_FIXTURES_DIR/github``), when present, through the same parsers: an extra run, never
required — skipped with one line when the corpus is absent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.github import client
from integrations.github.collecting import issue_snapshot, pull_snapshot
from integrations.github.items import MalformedItem, common_fields, is_pull_request, repo_of
from integrations.github.search import issue_fields, pull_fields
from orchestrator.models import Integration, Item, Run
from orchestrator.running.triggers import integration_trigger
from tests.conftest import RECORDED_FIXTURES, RECORDED_MISSING
from tests.github.conftest import configure
from tests.github.fake_api import FakeGithub, response
from tests.pipeline.driving import drain

CORPUS: Path | None = RECORDED_FIXTURES / "github" if (RECORDED_FIXTURES / "github").is_dir() else None
if CORPUS is None:
    pytest.skip(RECORDED_MISSING, allow_module_level=True)  # one line in the summary, not one per test


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


class RecordedGithub(FakeGithub):
    """The fake API answering searches and item GETs with the recorded bodies: every search
    returns the recorded 57-result search (55 issues, 2 PRs), an issue GET the recorded search item
    itself, a PR GET the recorded merged PR (renumbered) and its recorded diff."""

    def _pull_pages(self, query: str) -> list[dict[str, Any]]:
        return [recorded("search_issues.json")] if "assignee:" in query else []

    def _issue_pages(self, query: str) -> list[dict[str, Any]]:
        return [recorded("search_issues.json")] if "assignee:" in query else []

    def _item(self, request: Any, kind: str, repo: str, number: int, key: str, tail: str) -> Any:
        if tail or request.method != "GET":
            return super()._item(request, kind, repo, number, key, tail)
        if kind == "pulls":
            if request.headers["accept"] == "application/vnd.github.diff":
                assert CORPUS is not None
                return response(200, raw=(CORPUS / "pull.diff").read_bytes())
            return response(200, recorded("pull_merged.json") | {"number": number})
        found = [
            i for i in recorded("search_issues.json")["items"] if i["number"] == number and repo in i["url"]
        ]
        return response(200, found[0]) if found else super()._item(request, kind, repo, number, key, tail)


@pytest.fixture
def recorded_api(monkeypatch: pytest.MonkeyPatch, waits: list[float]) -> Iterator[RecordedGithub]:
    fake = RecordedGithub()
    monkeypatch.setattr(client, "TRANSPORT", httpx.MockTransport(fake.handle))
    yield fake
    assert fake.violations == []


@pytest.mark.django_db
@pytest.mark.parametrize(("platform", "expected"), [("issues", 55), ("pull_requests", 2)])
def test_the_pipeline_runs_over_the_recorded_search(
    github_work: Integration, recorded_api: RecordedGithub, platform: str, expected: int
) -> None:
    github_work.settings = {"github_user": "octocat"}
    github_work.save()
    configure(github_work, platform, [{"when": {"number": 321}, "then": {"label": "seen"}}])
    integration_trigger("github.work", platform)
    drain()
    run = Run.objects.get()
    assert run.status == "done", run.error
    assert (run.seen, run.items_failed) == (expected, 0)
    assert Item.objects.filter(platform=platform, snapshot__isnull=False).count() == expected
    if platform == "pull_requests":
        assert recorded_api.labels["sigmavirus24/github3.py#321"] == ["seen"]
        assert Item.objects.get(key="sigmavirus24/github3.py#321").snapshot["status"] == "merged"
