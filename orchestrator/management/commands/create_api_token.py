"""``create_api_token <name>``: print a new API token (and nothing else) on stdout."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from orchestrator.models import ApiToken


class Command(BaseCommand):
    help = "Create a named API token and print it once; only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A unique name, e.g. 'laptop' or 'ci'")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        name = name.strip()
        max_length = ApiToken._meta.get_field("name").max_length or 0
        if not name or len(name) > max_length:
            raise CommandError(f"A token name must be 1 to {max_length} characters")
        if ApiToken.objects.filter(name=name).exists():
            raise CommandError(f"An API token named {name!r} already exists; choose another name")
        try:
            _, raw = ApiToken.issue(name)
        except IntegrityError:  # created concurrently between the check and the insert
            raise CommandError(f"An API token named {name!r} already exists; choose another name") from None
        self.stdout.write(raw)
