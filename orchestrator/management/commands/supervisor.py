"""``manage.py supervisor [--role all|web|workers]``: the web server and/or both worker clusters in one
terminal (see docs/DEPLOY.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orchestrator.supervision import DEFAULT_PORT, SupervisorError, bind_host, supervise
from orchestrator.topology import ROLES


class Command(BaseCommand):
    help = (
        "Run daphne (HTTP + websockets) and the Django-Q2 clusters as supervised child processes. "
        "Binds 127.0.0.1:6767 unless told otherwise; authentication is on for any non-loopback bind."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dev", action="store_true", help="Restart web and workers when code changes")
        parser.add_argument(
            "--expose", action="store_true", help="Bind 0.0.0.0 (every interface); authentication is on"
        )
        parser.add_argument("--host", help="Bind this address instead of 127.0.0.1")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"Port (default {DEFAULT_PORT})")
        parser.add_argument(
            "--setup",
            action="store_true",
            help="Before starting: ensure_admin and setup_demo, in this process (what `make run` does)",
        )
        parser.add_argument(
            "--role",
            choices=ROLES,
            default="all",
            help="all: web and workers (default); web: only the web server (migrates at start); "
            "workers: only the worker clusters, for more machines on one PostgreSQL (docs/DEPLOY.md)",
        )
        parser.add_argument(
            "--run-at-start",
            nargs="+",
            action="extend",
            default=[],
            metavar="INTEGRATION_ID",
            help="Queue a run of these integrations once the database is ready",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            host = bind_host(host=options["host"], expose=options["expose"])
            supervise(
                host=host,
                port=options["port"],
                dev=options["dev"],
                run_at_start=options["run_at_start"],
                announce=self.stdout.write,
                setup=options["setup"],
                role=options["role"],
            )
        except SupervisorError as exc:
            raise CommandError(str(exc)) from exc
