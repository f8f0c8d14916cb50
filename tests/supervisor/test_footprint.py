"""What the supervisor loads before it forks is in every process of the tree: nothing that only a
task in progress needs (docs/ARCHITECTURE.md, "Processes")."""

from __future__ import annotations

import json
from pathlib import Path

from tests.chat.harness import run_python, server_env

# Imported when a task first needs them, never at idle: the embedded model and its numpy, and httpx
# (~9 MiB with the CLI it imports: rich, click, pygments) for the LLM and integration HTTP clients,
# jsonschema (~4 MiB) for validating a config, an LLM reply or a service input, cryptography (~2 MiB)
# for reading or writing a secret.
LAZY = ("llama_cpp", "numpy", "httpx", "rich", "jsonschema", "cryptography")

PRELOAD = """
import json, sys
from orchestrator import forked_children
import orchestrator.management.commands.supervisor
forked_children.preload()
print(json.dumps(sorted(m for m in {lazy} if m in sys.modules)))
"""


def test_the_preforked_supervisor_has_not_imported_what_only_tasks_need(tmp_path: Path):
    env = server_env(tmp_path, STEWARD_PLUGINS="tests.plugins.dummy")
    loaded = json.loads(run_python(PRELOAD.format(lazy=repr(LAZY)), env).strip().splitlines()[-1])
    assert loaded == []
