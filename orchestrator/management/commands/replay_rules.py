"""``replay_rules <integration> [--days N] [--config file.yaml] [--reclassify]``: what a rule set
would have done to the stored items, per rule, and where it differs from what happened.

Writes nothing but its report (docs/SAFETY.md "Replay").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orchestrator.actions.replay import ReplayError, replay_integration, report_lines
from orchestrator.management.commands.import_config import yaml_file_load


def automations_in(document: Any, integration_id: str, source: str) -> dict[str, Any]:
    """Platform name → automations for *integration_id* in a reference-format config document."""
    entries = document.get("integrations") if isinstance(document, dict) else None
    type_name, _, name = integration_id.partition(".")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("type") == type_name and entry.get("name") == name:
            found = entry.get("platforms")
            platforms: dict[str, Any] = found if isinstance(found, dict) else {}
            return {
                platform: fields.get("automations") or []
                for platform, fields in platforms.items()
                if isinstance(fields, dict) and "automations" in fields
            }
    raise CommandError(f"{source}: has no integration {integration_id!r} (type {type_name!r}, name {name!r})")


class Command(BaseCommand):
    help = (
        "Replay a rule set over an integration's stored items (their snapshots and stored "
        "classifications) and report, per rule, what it would have done and where that differs "
        "from what actually happened. Pure: writes nothing. --config replays the automations of "
        "a config file instead of the stored ones; --reclassify asks the LLM again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("integration", help="The integration id, e.g. email.home")
        parser.add_argument("--platform", help="Only this platform")
        parser.add_argument("--days", type=float, default=7, help="Items seen in the last N days (7)")
        parser.add_argument("--config", help="A config file (docs/CONFIG.md) whose automations to replay")
        parser.add_argument("--reclassify", action="store_true", help="Classify again with the LLM")

    def handle(self, *args: Any, integration: str, **options: Any) -> None:
        if options["days"] <= 0:
            raise CommandError(f"--days must be more than 0, got {options['days']:g}")
        edited = None
        if options.get("config"):
            path = Path(options["config"])
            edited = automations_in(yaml_file_load(path), integration, str(path))
        try:
            replays = replay_integration(
                integration,
                platform=options.get("platform"),
                days=options["days"],
                automations=edited,
                reclassify=options["reclassify"],
            )
        except ReplayError as exc:
            raise CommandError(exc.detail) from None
        for line in report_lines(replays):
            self.stdout.write(line)
