"""``export_config [-o file]``: the database as the reference YAML configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orchestrator.config_io.exporting import config_export
from orchestrator.config_io.yaml_format import ConfigFormatError, load_yaml


def template_path(config_path: Path) -> Path:
    return config_path.with_name(f"{config_path.stem}.secrets.yaml")


class Command(BaseCommand):
    help = (
        "Export the configuration as YAML (docs/CONFIG.md). Secrets are written as !secret references, "
        "never their values. With -o FILE the config goes to FILE and a secrets template with empty "
        "values to <FILE stem>.secrets.yaml beside it (an existing secrets file is never overwritten). "
        "Without -o the config goes to stdout — so `export_config > config.yaml` works — and the "
        "secrets template to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="Write the config to this file instead of stdout")

    def handle(self, *args: Any, output: str | None, **options: Any) -> None:
        config_text, template = config_export()
        if output is None:
            self.stdout.write(config_text, ending="")
            if template:
                heading = "# --- secrets template: save as secrets.yaml and fill in ---\n"
                self.stderr.write(heading + template, style_func=str, ending="")  # data, not an error: no red
            return
        path = Path(output)
        try:
            path.write_text(config_text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{path}: cannot be written ({exc})") from None
        self.stdout.write(f"Wrote {path}")
        if template:
            self._write_template(template_path(path), template)

    def _write_template(self, path: Path, template: str) -> None:
        if not path.exists():
            try:
                path.write_text(template, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"{path}: cannot be written ({exc})") from None
            self.stdout.write(f"Wrote {path} (a template: fill in the secret values)")
            return
        wanted = load_yaml(template) or {}
        try:
            present = load_yaml(path.read_text(encoding="utf-8"), source=str(path)) or {}
        except (OSError, UnicodeDecodeError, ConfigFormatError):
            present = {}
        missing = [key for key in wanted if not isinstance(present, dict) or key not in present]
        message = f"{path} exists and was left unchanged"
        if missing:
            message += f"; it lacks: {', '.join(missing)}"
        self.stdout.write(self.style.WARNING(message))
