"""The actions package's import layers: approvals answer, nothing below them depends on them."""

from __future__ import annotations

import ast
from pathlib import Path

import orchestrator

CORE = Path(orchestrator.__file__).parent
# The adapters over approval_decide: the HTTP API and the operator UI's pages and buttons.
ADAPTERS = {"api/approvals.py", "ui/views.py", "ui/operations.py"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_nothing_in_the_core_imports_approvals_but_its_adapters() -> None:
    importers = {
        str(path.relative_to(CORE))
        for path in CORE.rglob("*.py")
        if "orchestrator.actions.approvals" in _imports(path)
    }
    assert importers <= ADAPTERS


def test_the_gate_and_the_ledger_import_no_runner() -> None:
    runners = {
        "orchestrator.actions.dispatch",
        "orchestrator.actions.script_runs",
        "orchestrator.actions.services",
    }
    for module in ("gate.py", "ledger.py", "intents.py"):
        assert not _imports(CORE / "actions" / module) & runners, module
