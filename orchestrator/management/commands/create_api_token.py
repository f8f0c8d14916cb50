"""``create_api_token <name> [--user NAME] [--read-only]``: print a new API token (and nothing else).

The token acts for ``--user`` with that user's permissions; without it, for the owner (the first
active superuser). ``--read-only`` tokens may only read (GET).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from orchestrator.models import ApiToken


class Command(BaseCommand):
    help = "Create a named API token and print it once; only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A unique name, e.g. 'laptop' or 'ci'")
        parser.add_argument(
            "--user", help="Username the token acts for, with its permissions (default: the first superuser)"
        )
        parser.add_argument(
            "--read-only", action="store_true", help="The token may only read (GET), never change anything"
        )

    def handle(
        self, *args: Any, name: str, user: str | None = None, read_only: bool = False, **options: Any
    ) -> None:
        name = name.strip()
        max_length = ApiToken._meta.get_field("name").max_length or 0
        if not name or len(name) > max_length:
            raise CommandError(f"A token name must be 1 to {max_length} characters")
        if ApiToken.objects.filter(name=name).exists():
            raise CommandError(f"An API token named {name!r} already exists; choose another name")
        owner = None
        if user is not None:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None or not owner.is_active:
                raise CommandError(
                    f"No active user named {user!r}: create the user first, or leave out --user"
                )
        try:
            _, raw = ApiToken.issue(name, user=owner, read_only=read_only)
        except IntegrityError:  # created concurrently between the check and the insert
            raise CommandError(f"An API token named {name!r} already exists; choose another name") from None
        self.stdout.write(raw)
