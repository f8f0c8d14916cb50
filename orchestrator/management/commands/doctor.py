"""``manage.py doctor``: one PASS/FAIL/WARN line per check in the registry; exit 1 on any failure."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orchestrator.checks import CheckResult, run_checks


def verdict(result: CheckResult) -> str:
    if result.ok:
        return "PASS"
    return "WARN" if result.warning else "FAIL"


class Command(BaseCommand):
    help = "Check that Steward can run: database, workers, push path, LLM profiles, integrations."

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_checks()
        for result in results:
            word = verdict(result)
            style = {"PASS": self.style.SUCCESS, "WARN": self.style.WARNING, "FAIL": self.style.ERROR}[word]
            self.stdout.write(f"{style(word)} {result.name}: {result.message}")
        failed = [r.name for r in results if verdict(r) == "FAIL"]
        if failed:
            raise CommandError(f"{len(failed)} check(s) failed: {', '.join(failed)}")
