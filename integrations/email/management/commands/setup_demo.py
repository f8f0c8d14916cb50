"""``manage.py setup_demo [--no-run]``: the bundled demo ``email.personal`` (see ../../demo.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.email.demo import DEMO_ID, demo_setup


class Command(BaseCommand):
    help = (
        "Set up the bundled demo: copy demo/maildir to $STEWARD_DATA_DIR/demo-maildir (once), import "
        "demo/config.yaml (once) and queue one run of email.personal (once, for a fresh data dir). "
        "Safe to run on every start."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-run", action="store_true", help="Do not queue a run")

    def handle(self, *args: Any, **options: Any) -> None:
        from orchestrator.config_io.document import ConfigError

        try:
            result = demo_setup(run=not options["no_run"])
        except ConfigError as exc:
            raise CommandError("demo/config.yaml did not import:\n" + "\n".join(exc.problems)) from None
        if result.copied:
            self.stdout.write("Copied the demo Maildir into the data dir")
        if result.imported:
            self.stdout.write(f"Imported demo/config.yaml: created {DEMO_ID}")
        for note in result.notes:
            self.stdout.write(note)
        if result.queued:
            self.stdout.write(f"Queued a run of {DEMO_ID}: {', '.join(result.queued)}")
