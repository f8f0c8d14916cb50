"""The GitHub defaults a pull request's or issue's own fields decide, before the model is asked."""

from __future__ import annotations

from typing import Any

from integrations.github.collecting import diff_files, issue_snapshot, pull_snapshot
from integrations.github.plugin import ISSUES, PULL_REQUESTS
from orchestrator.llm.evaluation import demo_classifications
from orchestrator.pipeline.rule_answers import rule_answers
from orchestrator.rules.classifications import normalise_classifications

PULL_QUESTIONS = normalise_classifications(None, PULL_REQUESTS.default_classifications)
ISSUE_QUESTIONS = normalise_classifications(None, ISSUES.default_classifications)


def diff(*paths: str) -> str:
    return "".join(f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-old\n+new\n" for p in paths)


def pull(*paths: str, additions: int = 1, deletions: int = 1, changed: int | None = None) -> dict[str, Any]:
    found = {
        "number": 7,
        "title": "Change",
        "state": "open",
        "additions": additions,
        "deletions": deletions,
        "changed_files": len(paths) if changed is None else changed,
        "labels": [],
    }
    return pull_snapshot("octo-org/api", found, diff_files(diff(*paths)))


def decided(snapshot: dict[str, Any], questions: Any = PULL_QUESTIONS) -> dict[str, tuple[object, str]]:
    return {name: (a.value, a.rule) for name, a in rule_answers(questions, snapshot).items()}


def test_the_diff_names_the_changed_files_including_renames() -> None:
    renamed = "diff --git a/old/name.py b/new/name.py\nsimilarity index 100%\n"
    assert diff_files(diff("README.md", "src/app.py") + renamed) == ["README.md", "src/app.py", "new/name.py"]


def test_a_pull_request_changing_only_docs_files_is_documentation_only() -> None:
    answers = decided(pull("README.md", "docs/guide/setup.md", "CHANGELOG", "LICENSE", "api/notes.rst"))

    assert answers["documentation_only"] == (True, "every changed file is documentation")


def test_a_dependency_or_data_file_means_it_is_not_documentation_only() -> None:
    for path in ("package.json", "requirements.txt", "yarn.lock", "locales/de.json"):
        value, rule = decided(pull("README.md", path))["documentation_only"]
        assert value is False
        assert path.rsplit("/", 1)[-1] in rule


def test_a_source_file_is_left_to_the_model_since_it_may_change_only_docstrings() -> None:
    assert "documentation_only" not in decided(pull("api/billing/invoices.py"))
    assert "documentation_only" not in decided(pull("README.md", "src/app.ts"))


def test_an_incomplete_file_list_decides_nothing() -> None:
    # GitHub says 12 files changed; the (cut) diff shows two docs files: the rest may be code.
    assert "documentation_only" not in decided(pull("README.md", "docs/a.md", changed=12))
    assert "documentation_only" not in decided(pull())


def test_a_small_change_is_not_complex_but_a_large_one_is_left_to_the_model() -> None:
    assert decided(pull("api/views.py", "tests/test_views.py", additions=7, deletions=1))["complexity"] == (
        0.0,
        "small change: 8 line(s) in 2 file(s)",
    )
    assert "complexity" not in decided(pull("api/views.py", additions=40, deletions=3))
    assert "complexity" not in decided(pull("a.py", "b.py", "c.py", additions=2, deletions=1))


def test_risk_is_never_decided_by_size() -> None:
    # A one-line change to a production database's Terraform is risky: only the model can tell.
    assert "risk" not in decided(pull("terraform/prod/rds.tf"))


def issue(*labels: str) -> dict[str, Any]:
    found = {"number": 3, "title": "Broken", "state": "open", "labels": [{"name": n} for n in labels]}
    return issue_snapshot("octo-org/api", found)


def test_an_urgent_label_makes_the_issue_urgent() -> None:
    for label in ("security", "P0", "critical", "release-blocker", "regression", "outage", "Sev1"):
        assert decided(issue("bug", label), ISSUE_QUESTIONS)["urgency"] == (1.0, f"label {label!r}")


def test_other_labels_or_none_leave_urgency_and_actionable_to_the_model() -> None:
    for labels in ((), ("bug",), ("enhancement", "question"), ("security-review-later",)):
        assert decided(issue(*labels), ISSUE_QUESTIONS) == {}


def test_an_email_asked_the_same_question_names_gets_no_github_answer() -> None:
    email = {"subject": "Security update", "labels": ["security"], "from_address": "sam@home.example"}
    questions = {**demo_classifications(), **PULL_QUESTIONS, **ISSUE_QUESTIONS}
    answers = decided(email, questions)
    assert not {"urgency", "complexity", "documentation_only"} & answers.keys()
