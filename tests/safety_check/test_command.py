"""``manage.py safety_check``: the bundled adversarial corpus through a person's own rules."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import load_yaml
from orchestrator.models import ActionRecord, AuditEntry, EgressRecord, Item, Task
from tests.support.configs import demo_inbox_config

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "config.yaml"
REFERENCE = ROOT / "tests" / "config_io" / "reference" / "config.yaml"

YOLO_UNSUBSCRIBE = demo_inbox_config(
    """\
    classifications:
      newsletter: is this a newsletter?
    automations:
      - name: drop newsletters
        when:
          classification.newsletter: "> 0.8"
        then: !yolo unsubscribe
    """
)


def run(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("safety_check", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.mark.django_db
def test_the_demo_config_has_no_findings() -> None:
    output, failed = run("--config", str(DEMO))
    assert failed is None, output
    assert "0 finding(s)" in output
    assert "email.personal/inbox: 6 rule(s)" in output


@pytest.mark.django_db
def test_the_reference_config_reports_its_yolo_web_research_and_exits_1() -> None:
    output, failed = run("--config", str(REFERENCE))
    assert failed is not None
    assert failed.returncode == 1
    [finding] = [line for line in output.splitlines() if "FINDING" in line]
    assert "service gemini.default.web_research" in finding
    assert "!yolo" in finding
    assert "corpus item 'mail-newsletter-injection'" in finding
    assert "github.work/pull_requests" in output  # every platform of the file is checked


@pytest.mark.django_db
def test_a_yolo_llm_unsubscribe_is_a_finding_naming_rule_action_and_corpus_item(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(YOLO_UNSUBSCRIBE)
    output, failed = run("--config", str(config))
    assert failed is not None
    assert failed.returncode == 1
    findings = [line for line in output.splitlines() if "FINDING" in line]
    assert findings
    assert all("automation #1 ('drop newsletters'): unsubscribe" in line for line in findings)
    assert "[irreversible, llm provenance, !yolo]" in findings[0]
    assert "corpus item 'mail-" in findings[0]
    assert "'newsletter': 1.0" in findings[0]


@pytest.mark.django_db
def test_a_tainted_folder_with_yolo_is_a_finding_naming_the_parameter(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        YOLO_UNSUBSCRIBE.replace(
            "newsletter: is this a newsletter?", 'newsletter: {prompt: "f", type: enum, values: [A, B]}'
        )
        .replace('classification.newsletter: "> 0.8"', "is_noreply: true")
        .replace("then: !yolo unsubscribe", 'then: !yolo {move_to: "{{ classification.newsletter }}"}')
    )
    output, failed = run("--config", str(config))
    assert failed is not None
    finding = next(line for line in output.splitlines() if "FINDING" in line)
    assert "parameter 'move_to' comes from LLM output (classification)" in finding
    assert "[soft_reversible, rule provenance, !yolo]" in finding


@pytest.mark.django_db
def test_the_database_config_is_checked_and_nothing_is_written() -> None:
    config_import(config=load_yaml(DEMO.read_text()), secrets={})
    counts = [model.objects.count() for model in (Item, ActionRecord, AuditEntry, Task, EgressRecord)]
    output, failed = run()
    assert failed is None, output
    assert "0 finding(s)" in output
    assert [model.objects.count() for model in (Item, ActionRecord, AuditEntry, Task, EgressRecord)] == counts


@pytest.mark.django_db
def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    _, failed = run("--config", str(tmp_path / "missing.yaml"))
    assert failed is not None
    assert "cannot read" in str(failed)
    broken = tmp_path / "broken.yaml"
    broken.write_text("integrations: [\n")
    _, failed = run("--config", str(broken))
    assert failed is not None
    assert "broken.yaml" in str(failed)
