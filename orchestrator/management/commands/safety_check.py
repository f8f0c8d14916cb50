"""``manage.py safety_check [--config file.yaml]``: run the adversarial corpus through your rules.

Exit 1 when an attacker's item could cause an irreversible or tainted action without approval.
docs/SAFETY.md explains the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orchestrator.config_io.yaml_format import ConfigFormatError, load_yaml
from orchestrator.safety_check.shadow import report_lines, shadow_check
from orchestrator.safety_check.sources import from_database, from_document


class Command(BaseCommand):
    help = (
        "Run a bundled corpus of prompt-injection mail, pull requests and issues, with steered "
        "classifier answers, through your rules (nothing is run or written); exit 1 if anything "
        "irreversible or tainted is reachable without approval."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--config",
            help="a reference-format config file to check before importing it (default: the database)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options.get("config")
        if path:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot read {path}: {exc.strerror}") from None
            try:
                platforms = from_document(load_yaml(text, source=path))
            except ConfigFormatError as exc:
                raise CommandError(str(exc)) from None
        else:
            platforms = from_database()
        report = shadow_check(platforms)
        for line in report_lines(report):
            self.stdout.write(line)
        if report.findings:
            raise CommandError(f"{len(report.findings)} finding(s); see docs/SAFETY.md", returncode=1)
