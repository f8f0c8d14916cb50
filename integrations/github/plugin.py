"""The ``github`` integration type (docs/GITHUB.md): platforms ``pull_requests`` and ``issues``,
actions ``label``/``unlabel``/``comment``, service ``create_issue``."""

from __future__ import annotations

from integrations.base import (
    AdminHints,
    ClassificationSpec,
    DoctorCheck,
    IntegrationType,
    PlatformSpec,
    by_name,
)
from integrations.github import actions, checks, collecting, config, observing, search, services

COMMON_FIELDS = frozenset(
    {"org", "repo", "number", "url", "author", "title", "labels", "created_at", "updated_at"}
)

PULL_REQUESTS = PlatformSpec(
    name="pull_requests",
    check=search.check_pulls,
    collect=collecting.collect_pulls,
    options_schema=config.PULL_OPTIONS_SCHEMA,
    default_classifications=(
        ClassificationSpec("complexity", "How complex is this pull request to review?"),
        ClassificationSpec("risk", "How risky is merging this pull request?"),
        ClassificationSpec(
            "documentation_only", "Does this pull request change only documentation?", "boolean"
        ),
    ),
    # Facts GitHub reports about the PR; the body and diff are left out (author-written prose).
    deterministic_sources=COMMON_FIELDS
    | {"status", "draft", "additions", "deletions", "changed_files", "head_sha", "base_branch"},
    # Labels, status and updated_at change without the content changing: no new classification.
    volatile_fields=frozenset({"labels", "status", "updated_at"}),
    actions=actions.ACTIONS,
    llm_fields=("pull_request", "title", "author", "labels", "size", "body", "diff"),  # collecting.py
    observe=observing.observe,
)

ISSUES = PlatformSpec(
    name="issues",
    check=search.check_issues,
    collect=collecting.collect_issues,
    options_schema=config.ISSUE_OPTIONS_SCHEMA,
    default_classifications=(
        ClassificationSpec("urgency", "How urgent is this issue?"),
        ClassificationSpec("actionable", "Is this issue actionable for me now?", "boolean"),
    ),
    deterministic_sources=COMMON_FIELDS | {"state", "comment_count"},
    volatile_fields=frozenset({"labels", "state", "comment_count", "updated_at"}),
    actions=actions.ACTIONS,
    llm_fields=("issue", "title", "author", "labels", "comments", "body"),
    observe=observing.observe,
)

INTEGRATION_TYPE = IntegrationType(
    type="github",
    description="GitHub pull requests and issues (a GitHub App or a personal access token)",
    settings_schema=config.SETTINGS_SCHEMA,
    secret_fields=config.SECRET_FIELDS,
    platforms=by_name(PULL_REQUESTS, ISSUES),
    services=by_name(services.CREATE_ISSUE),
    checks=(DoctorCheck("api", checks.github_checks),),
    admin=AdminHints(
        help_text="Give token (a personal access token) or app_id, installation_id and private_key "
        "(a GitHub App) in the secret boxes; docs/GITHUB.md lists the scopes needed.",
        example_settings={
            "github_user": "octocat",
            "repos": ["octo-org/api", {"repo": "octo-org/web", "context": "React SPA"}],
            "orgs": ["octo-org"],
        },
    ),
)
