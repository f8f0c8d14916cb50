"""``manage.py run_integration <id> [--platform P] [--wait] [--inline]``: the CLI twin of
``POST /integrations/{id}/run`` (docs/API.md). Exit codes: 0 ok, 1 a stage failed, 2 unknown
integration or platform, 3 no worker running."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orchestrator.running.follow import (
    EXIT_FAILED,
    ProgressLine,
    RunCommandError,
    no_worker_warning,
    runs_execute_inline,
    runs_follow,
    runs_in_progress,
    runs_trigger,
)


class Command(BaseCommand):
    help = "Run an integration's pipeline now: queue its entry tasks (like the API), follow or run inline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("integration_id", help="{type}.{name}, e.g. email.personal")
        parser.add_argument("--platform", help="Only this platform (default: every enabled one)")
        parser.add_argument("--wait", action="store_true", help="Follow the run to its end, then summarise")
        parser.add_argument("--inline", action="store_true", help="Run the whole pipeline in this process")
        parser.add_argument(
            "--new", action="store_true", help="With --wait: start a new run even when one is in progress"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # Following a run already under way beats starting one that finds nothing new.
            going = (
                runs_in_progress(options["integration_id"], options["platform"])
                if options["wait"] and not options["inline"] and not options["new"]
                else None
            )
            if going is not None:
                self.stderr.write(going.describe())
                tasks = going.entries
            else:
                tasks = runs_trigger(options["integration_id"], options["platform"])
            for task in tasks:
                self.stdout.write(task.uid)
            if not (options["wait"] or options["inline"]):
                warning = no_worker_warning()
                if warning:
                    self.stderr.write(warning)
                return
            progress = ProgressLine(
                lambda text: self.stderr.write(text, ending=""), redraw=self.stderr.isatty()
            )
            try:
                if options["inline"]:
                    report = runs_execute_inline(tasks, progress.show, on_wait=self._say_waiting)
                else:
                    report = runs_follow(tasks, progress.show)
            finally:
                progress.close()
        except RunCommandError as exc:
            raise CommandError(str(exc), returncode=exc.exit_code) from None
        self.stdout.write(report.table())
        if report.failures:
            raise CommandError("a stage failed:\n" + "\n".join(report.failures), returncode=EXIT_FAILED)

    def _say_waiting(self, reason: str) -> None:
        # On its own line, so a progress bar redrawn in place does not overwrite it.
        self.stderr.write(f"\n{reason}" if self.stderr.isatty() else reason)
