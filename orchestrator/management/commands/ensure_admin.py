"""``manage.py ensure_admin``: create the superuser ``admin`` once (``make run`` calls it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from orchestrator.accounts import admin_ensure


class Command(BaseCommand):
    help = "Create superuser 'admin' with a random password saved in the data dir, unless it exists."

    def handle(self, *args: Any, **options: Any) -> None:
        account = admin_ensure()
        if account.created:
            self.stdout.write(
                f"Created superuser '{account.username}' with password: {account.password}\n"
                f"The password is saved in {account.password_file} (mode 600). Log in at /admin/."
            )
        elif account.password_file.exists():
            self.stdout.write(
                f"Superuser '{account.username}' exists; its first password is in {account.password_file}"
            )
        else:
            self.stdout.write(
                f"Superuser '{account.username}' exists (no password file at {account.password_file}; "
                f"reset it with `python manage.py changepassword {account.username}`)"
            )
