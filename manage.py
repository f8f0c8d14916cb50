#!/usr/bin/env python
"""Django's command-line utility for Steward."""

from __future__ import annotations

import os
import sys

from orchestrator.data_dir import PREPARING_COMMANDS, data_dir_prepare
from orchestrator.environment import SettingError


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator.settings")
    if len(sys.argv) > 1 and sys.argv[1] in PREPARING_COMMANDS:
        try:
            data_dir_prepare()  # before the settings read the keys
        except SettingError as exc:
            sys.exit(f"error: {exc}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
