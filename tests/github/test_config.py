"""The github and gemini settings as users write them: docs/GITHUB.md's example imports (secrets
encrypted, never in the settings), exports back as ``!secret`` references, and bad settings are
refused naming what is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from orchestrator.config_io.exporting import config_export
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.models import Integration

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "GITHUB.md"
SECRETS = {"github_token": "ghp_secret_value", "gemini_api_key": "AIza-secret"}


def example() -> str:
    [block] = re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(), flags=re.DOTALL | re.MULTILINE)
    return block


def test_the_documented_example_imports_with_its_secrets_encrypted() -> None:
    report = config_import(config=load_yaml(example()), secrets=SECRETS)
    assert {"integration github.work", "integration gemini.default"} <= set(report.created)
    github = Integration.objects.get(type="github")
    assert github.secrets == {"token": "ghp_secret_value"}
    assert "token" not in github.settings
    assert github.settings["repos"][1] == {
        "repo": "octo-org/web",
        "context": "React SPA. Include browser and component in issues.",
    }
    assert sorted(github.platforms.values_list("name", flat=True)) == ["issues", "pull_requests"]
    assert Integration.objects.get(type="gemini").secrets == {"api_key": "AIza-secret"}


def test_export_writes_secret_references_never_values() -> None:
    config_import(config=load_yaml(example()), secrets=SECRETS)
    text, template = config_export()
    assert "ghp_secret_value" not in text + template
    assert "token: !secret github_work_token" in text
    assert "github_work_token" in template
    again = config_import(
        config=load_yaml(text),
        secrets=SECRETS | {"github_work_token": "ghp_secret_value", "gemini_default_api_key": "k"},
    )
    assert again.created == []


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"repos": ["octo-org/api"]}, "github_user"),
        ({"github_user": "octocat", "repos": ["not a repo"]}, "repos"),
        ({"github_user": "octocat", "token": "inline"}, "token"),
    ],
)
def test_bad_github_settings_are_refused_naming_the_key(settings: dict[str, object], problem: str) -> None:
    integration = Integration(type="github", name="bad", settings=settings)
    with pytest.raises(ValidationError, match=problem):
        integration.full_clean()


def test_the_admin_shows_the_types_hints_and_a_box_per_secret(
    admin_client: object, github_work: Integration
) -> None:
    page = admin_client.get(f"/admin/orchestrator/integration/{github_work.pk}/change/").content.decode()  # type: ignore[attr-defined]
    assert "docs/GITHUB.md lists the scopes needed" in page
    assert "octo-org/web" in page  # the example settings
    for secret in ("app_id", "installation_id", "private_key", "token"):
        assert f'name="secret_{secret}"' in page
    assert "ghp_TestToken" not in page  # a stored secret is never shown back
