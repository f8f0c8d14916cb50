"""The examples in docs/EMAIL.md import as written, and their rules run in the phases it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.models import Integration, LLMProfile, PlatformConfig
from orchestrator.rules.automations import compile_automations
from orchestrator.rules.classifications import normalise_classifications
from orchestrator.rules.phases import Phase, automation_phase

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "EMAIL.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(), flags=re.DOTALL | re.MULTILINE)


def test_the_examples_import_and_only_the_llm_rule_waits_for_classification() -> None:
    LLMProfile.objects.create(name="default", base_url="http://127.0.0.1:9", model="m")
    imap, maildir = yaml_blocks()
    document = load_yaml(imap)
    document["integrations"] += load_yaml("integrations:\n" + maildir)["integrations"]

    config_import(config=document, secrets={"email_personal_password": "hunter2"})

    personal = Integration.objects.get(name="personal")
    assert personal.settings["security"] == "ssl"
    assert Integration.objects.get(name="archive-box").settings["source"] == "maildir"
    inbox = PlatformConfig.objects.get(integration=personal, name="inbox")
    spec = personal.spec.platforms["inbox"]
    compiled = compile_automations(
        inbox.automations,
        platform=spec,
        classifications=normalise_classifications(inbox.classifications, spec.default_classifications),
        scripts={},
        services={},
    )
    assert compiled.errors == ()
    assert [automation_phase(a) for a in compiled.automations] == [
        Phase.DETERMINISTIC,
        Phase.DETERMINISTIC,
        Phase.DETERMINISTIC,
        Phase.LLM,
    ]
