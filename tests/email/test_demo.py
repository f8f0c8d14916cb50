"""The bundled demo: its twenty messages, ``setup_demo``, and ``email.personal`` reading them."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from integrations.email import collecting, discovery
from integrations.email.actions import ACTIONS
from integrations.email.demo import MAILDIR_NAME, demo_dir
from integrations.email.parsing import parse_message
from tests.email.harness import MaildirHarness, make_message

TRUSTED = "mx.steward-demo.example"
DEMO_FILES = sorted(p for p in (demo_dir() / "maildir").glob("*/*") if p.is_file())


def demo_snapshot(name: str, trusted: str | None = TRUSTED) -> Any:
    [path] = [p for p in DEMO_FILES if name in p.name]
    return parse_message(path.read_bytes(), uid=1, trusted_authserv_id=trusted)


def test_the_demo_has_twenty_varied_messages() -> None:
    parsed = [parse_message(p.read_bytes(), uid=1, trusted_authserv_id=TRUSTED).snapshot for p in DEMO_FILES]
    assert len(parsed) == 20
    kinds = Counter()
    for s in parsed:
        kinds["one-click"] += s["is_unsubscribable"]
        kinds["calendar"] += s["is_calendar_event"]
        kinds["ci"] += s["list_id"] == "main.steward.ci.example.org"
        kinds["unauthenticated"] += not s["authentication"]["dmarc_pass"]
        kinds["no message-id"] += s["message_id"] is None
    assert kinds["one-click"] >= 3
    assert kinds["calendar"] == 2
    assert kinds["ci"] == 2
    assert kinds["no message-id"] == 1


@pytest.mark.parametrize("trusted", [TRUSTED, None])
def test_the_phishing_mail_is_not_treated_as_authenticated(trusted: str | None) -> None:
    phishing = demo_snapshot("phishing-forged-auth", trusted)
    assert phishing.snapshot["authentication"] == {"spf_pass": False, "dkim_pass": False, "dmarc_pass": False}
    assert phishing.low_trust is True


def test_the_prompt_injection_reaches_the_llm_only_as_cleaned_text() -> None:
    injection = demo_snapshot("prompt-injection")
    assert "IGNORE ALL PREVIOUS INSTRUCTIONS" in injection.llm_input  # still visible as data
    assert "UNTRUSTED" not in injection.llm_input
    assert "```" not in injection.llm_input


@pytest.fixture
def demo_data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_setup_demo_copies_the_maildir_and_imports_email_personal_once(demo_data_dir: Path) -> None:
    from orchestrator.models import Integration, Task

    call_command("setup_demo")
    integration = Integration.objects.get(type="email", name="personal")
    assert integration.settings["source"] == "maildir"
    assert integration.settings["trusted_authserv_id"] == TRUSTED
    assert integration.llm is not None
    assert integration.llm.backend == "embedded"
    platform = integration.platforms.get(name="inbox")
    assert len(platform.automations) == 6
    assert set(platform.classifications) == {
        "human",
        "requires_response",
        "priority",
        "user_agreement_update",
    }
    maildir = demo_data_dir / MAILDIR_NAME
    assert len(list((maildir / "new").iterdir())) + len(list((maildir / "cur").iterdir())) == 20
    assert {p.name for p in maildir.iterdir() if p.name.startswith(".")} >= {".Archive", ".Junk", ".Drafts"}
    assert Task.objects.filter(type="email.inbox.check").count() == 1

    integration.delete()
    call_command("setup_demo", "--no-run")
    assert not Integration.objects.filter(type="email", name="personal").exists()  # not brought back


@pytest.mark.django_db
def test_email_personal_reads_the_demo_offline(demo_data_dir: Path) -> None:
    from orchestrator.models import Integration
    from orchestrator.pipeline.context import stage_context

    call_command("setup_demo", "--no-run")
    ctx = stage_context(Integration.objects.get(type="email", name="personal"), "inbox")
    found = {d.key: d.fields for d in discovery.check(ctx, {})}
    assert len(found) == 20
    collected = {c.snapshot["subject"]: c for c in collecting.collect(ctx, found)}
    phishing = collected["Urgent: your account will be suspended in 24 hours"]
    assert phishing.low_trust
    assert not any(phishing.snapshot["authentication"].values())
    assert collected["Photos from the garden"].snapshot["is_read"] is True
    invite = collected["Invitation: Q2 planning @ Tue Mar 11, 2025 14:00 - 15:00 (UTC)"].snapshot
    ACTIONS["flag"].run(ctx, invite, None)  # INBOX writes need tmp/, which git does not keep


def test_a_maildir_without_tmp_is_repaired_not_refused(tmp_path: Path) -> None:
    harness = MaildirHarness(tmp_path / "Maildir")
    harness.seed([make_message(1)])
    (tmp_path / "Maildir" / "tmp").rmdir()
    ctx = harness.ctx()
    [found] = discovery.check(ctx, {})
    [item] = collecting.collect(ctx, {found.key: found.fields})
    ACTIONS["mark_read"].run(ctx, item.snapshot, None)
    assert harness.contents() == {"<1@test.example>": frozenset({r"\Seen"})}


@pytest.mark.django_db
def test_setup_demo_queues_the_demo_run_only_for_a_fresh_data_dir(demo_data_dir: Path) -> None:
    from orchestrator.models import Task

    call_command("setup_demo")
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert Task.objects.filter(type="email.inbox.check").count() == 1
    assert "no new run queued" in out.getvalue()


def test_the_demo_flags_and_drafts_the_work_mail_that_needs_an_answer() -> None:
    """The demo's one LLM-and-rule showcase: it must fire on the bundled model's answers for the
    budget mail (medium: the model tells "needs an answer" from "does not", not high from medium)."""
    from datetime import UTC, datetime

    from integrations.email.plugin import INBOX
    from orchestrator.config_io.yaml_format import load_yaml
    from orchestrator.rules.automations import compile_automations
    from orchestrator.rules.classifications import normalise_classifications
    from orchestrator.rules.evaluate import evaluate

    inbox = load_yaml((demo_dir() / "config.yaml").read_text())["integrations"][0]["platforms"]["inbox"]
    compiled = compile_automations(
        inbox["automations"],
        platform=INBOX,
        classifications=normalise_classifications(inbox["classifications"], INBOX.default_classifications),
        scripts={},
        services={},
    )
    assert compiled.errors == ()
    assert compiled.warnings == ()
    budget = demo_snapshot("work-budget-signoff").snapshot
    answers = {"human": 0.55, "requires_response": True, "priority": "medium", "user_agreement_update": False}
    planned = evaluate(budget, answers, compiled.automations, now=datetime.now(UTC))
    assert [(p.name, p.argument is not None) for p in planned] == [("flag", False), ("draft_reply", True)]
    assert evaluate(budget, {**answers, "priority": "low"}, compiled.automations, now=datetime.now(UTC)) == []
