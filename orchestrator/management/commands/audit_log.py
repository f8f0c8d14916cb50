"""``manage.py audit_log [--date YYYY-MM-DD] [--verify]``: print a day of the audit log, or check it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from orchestrator.audit.chain import verify_chain
from orchestrator.audit.render import render_day


class Command(BaseCommand):
    help = "Print one day of the audit log as markdown (default: today), or verify its hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to print, YYYY-MM-DD (local time)")
        parser.add_argument("--verify", action="store_true", help="Check the hash chain and the head record")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            verdict = verify_chain()
            if not verdict.ok:
                raise CommandError(f"audit log broken at #{verdict.first_bad_seq}: {verdict.reason}")
            self.stdout.write(f"audit log intact: {verdict.checked} entries verified")
            return
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date {options['date']!r} is not a date: use YYYY-MM-DD") from None
        self.stdout.write(render_day(day), ending="")
