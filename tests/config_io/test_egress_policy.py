"""``send_fields`` and ``redact`` on an LLM profile: imported, exported, and refused when wrong."""

from __future__ import annotations

import pytest

from orchestrator.config_io.document import ConfigError
from orchestrator.config_io.exporting import config_export
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.models import LLMProfile

pytestmark = pytest.mark.django_db

CONFIG = """\
llms:
  remote:
    base_url: https://llm.example.com
    model: m
    send_fields: [subject, body]
    redact: [emails, {regex: "ACME-[0-9]+", name: tickets}]
"""


def test_the_policy_imports_and_exports_as_written() -> None:
    config_import(config=load_yaml(CONFIG), secrets={})
    profile = LLMProfile.objects.get(name="remote")
    assert profile.send_fields == ["subject", "body"]
    assert profile.redact == ["emails", {"regex": "ACME-[0-9]+", "name": "tickets"}]
    text, _ = config_export()
    assert load_yaml(text)["llms"]["remote"]["redact"] == profile.redact
    assert load_yaml(text)["llms"]["remote"]["send_fields"] == ["subject", "body"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("redact: [emails, passports]", "unknown redaction 'passports'"),
        ('redact: [{regex: "("}]', "does not compile"),
        ("send_fields: [subject, ssn]", "no platform has the field(s) ssn"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_problem_and_nothing_is_saved(change: str, expected: str) -> None:
    key = change.split(":", 1)[0]
    lines = [line for line in CONFIG.splitlines() if not line.strip().startswith(key + ":")]
    text = "\n".join([*lines, f"    {change}", ""])
    with pytest.raises(ConfigError) as refused:
        config_import(config=load_yaml(text), secrets={})
    assert any(expected in problem and "llms.remote" in problem for problem in refused.value.problems), (
        refused.value.problems
    )
    assert not LLMProfile.objects.exists()
