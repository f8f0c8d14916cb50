"""``import_config config.yaml [--secrets secrets.yaml]``: the reference YAML config into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orchestrator.config_io.document import ConfigError
from orchestrator.config_io.importing import config_import
from orchestrator.config_io.yaml_format import ConfigFormatError, load_yaml


def yaml_file_load(path: Path) -> Any:
    """The YAML document in *path* (our dialect); a :class:`CommandError` naming the file when it
    cannot be read or parsed. ``replay_rules`` reads its ``--config`` with it too."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot be read ({exc})") from None
    try:
        return load_yaml(text, source=str(path))
    except ConfigFormatError as exc:
        raise CommandError(str(exc)) from None


def secrets_beside(config_path: Path) -> Path | None:
    """``<stem>.secrets.yaml`` (what export_config writes), else ``secrets.yaml``, beside the config."""
    for candidate in (
        config_path.with_name(f"{config_path.stem}.secrets.yaml"),
        config_path.with_name("secrets.yaml"),
    ):
        if candidate.is_file():
            return candidate
    return None


class Command(BaseCommand):
    help = (
        "Import the reference YAML configuration (docs/CONFIG.md) into the database: all or nothing, "
        "updating or creating each object by its id; objects the file does not mention are left alone. "
        "!secret values come from --secrets; without it, <config stem>.secrets.yaml or secrets.yaml "
        "beside the config file is used when present. An empty secret keeps the stored value."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("config", help="The config file, e.g. config.yaml")
        parser.add_argument("--secrets", help="The secrets file the !secret references are looked up in")

    def handle(self, *args: Any, config: str, secrets: str | None, **options: Any) -> None:
        config_path = Path(config)
        secrets_path = Path(secrets) if secrets else secrets_beside(config_path)
        document = yaml_file_load(config_path)
        secret_values = yaml_file_load(secrets_path) if secrets_path else {}
        if secrets_path and not secrets:
            self.stdout.write(f"Reading secrets from {secrets_path}")
        try:
            report = config_import(config=document, secrets=secret_values or {})
        except ConfigError as exc:
            lines = [f"  - {problem}" for problem in exc.problems]
            if secrets_path is None and any("`!secret" in p for p in exc.problems):
                lines.append("  (no secrets file was read: pass --secrets secrets.yaml)")
            raise CommandError(f"{config_path}: nothing was imported:\n" + "\n".join(lines)) from None
        for notice in report.notices:
            self.stdout.write(self.style.WARNING(f"Notice: {notice}"))
        for label in report.created:
            self.stdout.write(f"  created {label}")
        for label in report.updated:
            self.stdout.write(f"  updated {label}")
        if options["verbosity"] > 1:
            for label in report.unchanged:
                self.stdout.write(f"  unchanged {label}")
        self.stdout.write(self.style.SUCCESS(f"Imported {config_path}: {report.summary()}"))
