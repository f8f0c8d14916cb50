"""check → collect → classify → evaluate → act for ``pull_requests`` and ``issues`` through the real
queue, over the fake GitHub behind an httpx MockTransport: what is labelled, commented and undone,
what a second poll does (nothing), the safety gate for ``comment``, and bad input that leaves the
other items processed and shows on the run's counters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from integrations.github import client as client_module
from orchestrator.actions.undo import action_undo
from orchestrator.config_io.document import ConfigError
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.models import ActionRecord, Approval, Integration, Item, Run
from orchestrator.running.triggers import integration_trigger
from tests.github.conftest import configure
from tests.github.fake_api import FakeGithub
from tests.pipeline.driving import drain
from tests.plugins import classifier

pytestmark = pytest.mark.django_db

DOCS = {
    "name": "docs",
    "when": {"classification.documentation_only": True, "additions": "< 50"},
    "then": {"label": "docs"},
}
TRIAGE = {"name": "triage", "when": {"comment_count": "> 1"}, "then": [{"label": "triage"}]}


def run(platform: str) -> Run:
    integration_trigger("github.work", platform)
    drain()
    return Run.objects.filter(platform=platform).first()  # newest first


def docs_poll(github_work: Integration) -> Run:
    """Enable the pull requests under the docs rule and poll them once."""
    configure(github_work, "pull_requests", [DOCS])
    return run("pull_requests")


def keys(platform: str) -> set[str]:
    return set(Item.objects.filter(platform=platform, status="active").values_list("key", flat=True))


@pytest.fixture(autouse=True)
def fresh_classifier() -> None:
    classifier.reset()


def test_pull_requests_flow_from_search_to_a_docs_label(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    done = docs_poll(github_work)
    assert done.status == "done", done.error
    # The draft (api#9) is excluded; web#12 came from two queries and is one item.
    assert keys("pull_requests") == {"octo-org/api#7", "octo-org/web#12", "octo-org/api#15"}
    assert mock_api.labels["octo-org/api#7"] == ["docs-wanted", "docs"]  # only api#7 is under 50 additions
    assert ActionRecord.objects.get().status == "done"
    assert (done.seen, done.new, done.classified, done.actions_done, done.items_failed) == (3, 3, 3, 1, 1)
    user, scope = "octocat", "repo:octo-org/api repo:octo-org/web"
    assert mock_api.queries == [
        f"is:pr is:open archived:false assignee:{user} {scope}",
        f"is:pr is:open archived:false review-requested:{user} {scope}",
        f"is:pr is:open archived:false author:{user} draft:false {scope}",
    ]


def test_pull_request_snapshots_hold_the_fields_and_the_llm_sees_body_and_diff(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    docs_poll(github_work)
    item = Item.objects.get(key="octo-org/api#7")
    shown = ("org", "repo", "number", "author", "status", "draft", "labels")
    assert {k: item.snapshot[k] for k in shown} == {
        "org": "octo-org", "repo": "octo-org/api", "number": 7, "author": "octocat", "status": "open",
        "draft": False, "labels": ["docs-wanted"],
    }  # fmt: skip
    assert (item.snapshot["additions"], item.snapshot["deletions"], item.snapshot["changed_files"]) == (
        1,
        1,
        1,
    )
    assert "Just docs." in item.llm_input
    assert "+The API." in item.llm_input


def test_a_10_mb_diff_and_non_utf8_bytes_are_cut_and_replaced_not_a_crash(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    docs_poll(github_work)
    big = Item.objects.get(key="octo-org/api#15")
    assert big.llm_input.endswith("(truncated)")
    assert len(big.llm_input) < 12_000
    latin = Item.objects.get(key="octo-org/web#12")
    assert "caf\ufffd" in latin.llm_input  # a Latin-1 byte became U+FFFD
    assert "café" in latin.llm_input
    assert latin.snapshot["body"] == ""  # a null body


def test_issues_flow_with_mentions_a_null_body_and_a_pr_in_the_results(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    configure(github_work, "issues", [TRIAGE], include_mentions=True)
    done = run("issues")
    assert done.status == "done", done.error
    assert keys("issues") == {"octo-org/api#3", "octo-org/web#4"}  # api#7 is a pull request
    assert mock_api.labels["octo-org/api#3"] == ["bug", "triage"]  # two comments: rule provenance
    assert ActionRecord.objects.get().provenance == "rule"
    item = Item.objects.get(key="octo-org/api#3")
    assert (item.snapshot["comment_count"], item.snapshot["body"], item.snapshot["state"]) == (2, "", "open")
    assert any(q.startswith("is:issue is:open archived:false mentions:octocat") for q in mock_api.queries)
    assert Item.objects.get(key="octo-org/web#4").snapshot["title"] == "Dark mode 🌙"


def test_legacy_search_results_are_read_by_their_urls(github_work: Integration, mock_api: FakeGithub) -> None:
    mock_api.issue_search = "search_issues_legacy.json"
    configure(github_work, "issues", [])
    run("issues")
    assert keys("issues") == {"octo-org/api#21"}  # #22 is a PR; #21's empty pull_request object is not


def first_docs_poll(github_work: Integration, mock_api: FakeGithub) -> int:
    """Poll the pull requests once under the docs rule and forget its requests; the classifier calls made."""
    docs_poll(github_work)
    mock_api.requests.clear()
    return len(classifier.CALLS)


def test_a_second_poll_of_unchanged_items_makes_no_item_request_and_runs_no_action(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    calls = first_docs_poll(github_work, mock_api)
    run("pull_requests")
    assert mock_api.item_gets() == []
    assert {(r.method, r.url.path) for r in mock_api.requests} == {("GET", "/search/issues")}
    assert len(classifier.CALLS) == calls
    assert ActionRecord.objects.count() == 1


def test_a_newer_updated_at_is_fetched_again_but_not_reclassified_when_the_content_is_the_same(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    calls = first_docs_poll(github_work, mock_api)
    mock_api.updated["octo-org/web#12"] = "2025-03-05T08:00:00Z"
    run("pull_requests")
    assert mock_api.item_gets() == [
        "/repos/octo-org/web/pulls/12",
        "/repos/octo-org/web/pulls/12",
    ]  # JSON + diff
    assert len(classifier.CALLS) == calls
    assert Item.objects.get(key="octo-org/web#12").snapshot["updated_at"] == "2025-03-04T10:00:00Z"


def test_items_that_leave_the_search_become_synced(github_work: Integration, mock_api: FakeGithub) -> None:
    configure(github_work, "issues", [])
    run("issues")
    mock_api.closed.add("octo-org/web#4")
    run("issues")
    assert Item.objects.get(key="octo-org/web#4").status == "synced"


def test_label_then_undo_removes_it_and_the_next_poll_does_not_add_it_again(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    docs_poll(github_work)
    action_undo(record=ActionRecord.objects.get())
    assert mock_api.labels["octo-org/api#7"] == ["docs-wanted"]
    assert mock_api.paths("DELETE") == ["/repos/octo-org/api/issues/7/labels/docs"]
    run("pull_requests")
    assert mock_api.labels["octo-org/api#7"] == ["docs-wanted"]


def test_unlabel_and_its_undo_put_the_label_back(github_work: Integration, mock_api: FakeGithub) -> None:
    configure(github_work, "pull_requests", [{"when": {"number": 7}, "then": {"unlabel": "docs-wanted"}}])
    run("pull_requests")
    assert mock_api.labels["octo-org/api#7"] == []
    action_undo(record=ActionRecord.objects.get())
    assert mock_api.labels["octo-org/api#7"] == ["docs-wanted"]


LLM_COMMENT = {"when": {"classification.actionable": True}, "then": {"comment": "On it."}}


def test_an_llm_rule_cannot_comment_without_yolo(github_work: Integration) -> None:
    with pytest.raises(ValidationError, match="comment"):
        configure(github_work, "issues", [LLM_COMMENT])


def test_import_refuses_an_llm_comment_without_yolo_and_accepts_it_with(github_work: Integration) -> None:
    text = (
        "integrations:\n  - type: github\n    name: work\n    llm: default\n    github_user: octocat\n"
        "    token: !secret t\n    repos: [octo-org/api]\n"
        "    platforms:\n      issues:\n        automations:\n"
        "          - when: {classification.actionable: true}\n            then: %s\n"
    )
    with pytest.raises(ConfigError) as refused:
        config_import(config=load_yaml(text % "{comment: On it.}"), secrets={"t": "x"})
    assert any("comment" in problem for problem in refused.value.problems)
    config_import(config=load_yaml(text % "!yolo {comment: On it.}"), secrets={"t": "x"})


def test_on_blocked_ask_makes_an_approval_and_approving_posts_the_comment(
    github_work: Integration, mock_api: FakeGithub, api_client: Any
) -> None:
    configure(github_work, "issues", [{**LLM_COMMENT, "on_blocked": "ask"}])
    run("issues")
    assert mock_api.comments == []
    approvals = list(Approval.objects.all())
    assert len(approvals) == 2  # one per issue
    response = api_client.post(
        f"/api/approvals/{approvals[0].pk}",
        data=json.dumps({"option": "approve"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    drain()
    assert mock_api.comments == [(approvals[0].action_record.item.key, "On it.")]
    run("issues")
    assert len(mock_api.comments) == 1


@pytest.mark.parametrize(
    ("refusal", "of"),
    [("missing_items", "octo-org/web#12"), ("forbidden_repos", "octo-org/web")],
    ids=["a vanished pull request (404)", "a repo the app cannot read (403)"],
)
def test_a_malformed_result_and_an_item_the_api_refuses_leave_the_others_processed(
    github_work: Integration, mock_api: FakeGithub, refusal: str, of: str
) -> None:
    getattr(mock_api, refusal).add(of)
    done = docs_poll(github_work)
    assert done.status == "done", done.error
    assert done.items_failed == 2  # the partial search result and web#12
    assert Item.objects.get(key="octo-org/web#12").snapshot is None
    assert Item.objects.get(key="octo-org/api#7").snapshot is not None
    assert mock_api.labels["octo-org/api#7"] == ["docs-wanted", "docs"]


def test_a_revoked_token_fails_the_run_with_a_clear_error(
    github_work: Integration, mock_api: FakeGithub
) -> None:
    mock_api.revoked = True
    configure(github_work, "issues", [])
    done = run("issues")
    assert done.status == "failed"
    assert "GitHub rejected the token (401 Bad credentials)" in done.error
    assert len(mock_api.requests) == 1  # a permanent error: not retried


def test_the_actions_of_one_act_task_share_one_client(
    github_work: Integration, mock_api: FakeGithub, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(github_work, "pull_requests", [{"when": {"status": "open"}, "then": {"label": "seen"}}])
    made: list[object] = []
    original = client_module.GithubClient.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(client_module.GithubClient, "__init__", counting)
    integration_trigger("github.work", "pull_requests")
    ran = drain()
    acts = [task for task in ran if task.type.endswith(".act")]
    assert sum(1 for labels in mock_api.labels.values() if "seen" in labels) == 3
    stage_clients = 1 + len([t for t in ran if t.type.endswith(".collect")])  # check, collect batches
    assert len(made) == stage_clients + len(acts)
    assert len(acts) < 3  # the three labels went out in fewer tasks than actions
