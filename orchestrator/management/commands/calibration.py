"""``calibration``: per confidence classification, its values on kept vs corrected actions and a
threshold suggestion (docs/SAFETY.md "Calibration"). Read-only: suggestions are never applied."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from orchestrator.actions.corrections import calibration_report
from orchestrator.rules.calibration import BUCKETS


class Command(BaseCommand):
    help = (
        "Show, per confidence classification, the values of actions the person kept and of those "
        "they corrected (undone, rejected, reversed by hand), with a threshold suggestion. "
        "Nothing is changed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        found = calibration_report()
        if not found:
            self.stdout.write("No kept or corrected automation actions with a confidence classification yet.")
        for calibration in found:
            self.stdout.write(f"{calibration.classification}:")
            self.stdout.write("  from   kept  corrected")
            for i in range(BUCKETS):
                kept, corrected = calibration.kept[i], calibration.corrected[i]
                self.stdout.write(f"  {i / BUCKETS:.1f}  {kept:5d}  {corrected:9d}")
            suggestion = calibration.suggestion
            self.stdout.write(
                f"  suggestion: {suggestion.describe()}"
                if suggestion
                else "  no threshold avoids a correction while keeping 95 % of kept actions"
            )
