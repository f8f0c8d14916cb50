"""Service ``create_issue``: open an issue in one of the configured repositories.

Inputs ``repo``, ``title``, ``body`` are checked by the schema and :func:`create_issue_problems` (the
repository must be configured) before the call is queued. Irreversible; proposable in chat, where the
configured repositories and their ``context`` texts are given to the chat LLM. The result — number
and URL — is the markdown the core routes (into the conversation, for a chat proposal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from integrations.base import ChatProposal, IntegrationContext, IntegrationError, ServiceSpec
from integrations.github.config import context_settings

if TYPE_CHECKING:  # the client imports httpx (~9 MiB): only when a GitHub call is made
    pass

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["repo", "title"],
    "properties": {
        "repo": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"},
        "title": {"type": "string", "minLength": 1, "maxLength": 256},
        "body": {"type": "string", "maxLength": 65536},
    },
}


def create_issue_problems(ctx: IntegrationContext, inputs: dict[str, Any]) -> list[str]:
    try:
        settings = context_settings(ctx)
    except IntegrationError as exc:
        return [str(exc)]
    if settings.repo(str(inputs.get("repo", ""))) is None:
        valid = ", ".join(r.full_name for r in settings.repos) or "none configured"
        return [f"inputs.repo: {inputs.get('repo')!r} is not a configured repository of {ctx.integration_id} "
                f"(configured: {valid})"]  # fmt: skip
    return []


def create_issue(ctx: IntegrationContext, inputs: dict[str, Any]) -> str:
    settings = context_settings(ctx)
    problems = create_issue_problems(ctx, inputs)
    if problems:
        raise IntegrationError("; ".join(problems), permanent=True)
    repo = settings.repo(inputs["repo"])
    assert repo is not None
    body = {"title": inputs["title"], "body": inputs.get("body") or ""}
    from integrations.github.client import GithubClient

    with GithubClient(settings) as client:
        made = client.json(
            "POST", f"/repos/{repo.full_name}/issues", what=f"a new issue in {repo.full_name}", body=body
        )
    if not isinstance(made, dict) or not isinstance(made.get("number"), int):
        raise IntegrationError(
            f"GitHub's answer to creating an issue in {repo.full_name} has no number", permanent=True
        )
    url = made.get("html_url") or ""
    return f"Created issue [{repo.full_name}#{made['number']}]({url}): {inputs['title']}"


def repos_context(ctx: IntegrationContext) -> str:
    """The configured repositories (with their context texts) for the chat LLM."""
    try:
        settings = context_settings(ctx)
    except IntegrationError:
        return ""
    if not settings.repos:
        return ""
    listed = "; ".join(f"{r.full_name} ({r.context})" if r.context else r.full_name for r in settings.repos)
    return f"repo must be one of: {listed}."


CREATE_ISSUE = ServiceSpec(
    name="create_issue",
    run=create_issue,
    input_schema=INPUT_SCHEMA,
    reversible=False,
    audit_template="Created an issue in {{ repo }}: {{ title }}",
    sensitive_inputs=frozenset({"repo"}),  # which repository (and its watchers) sees the issue
    chat=ChatProposal(
        approve_label="Create issue",
        reject_label="Cancel",
        guidance="Propose it when the person asks to file or open an issue.",
        context=repos_context,
    ),
    validate=create_issue_problems,
)
