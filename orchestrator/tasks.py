"""The core's task handlers, found at start-up by autodiscovery (see ``OrchestratorConfig.ready``).

Each app's ``tasks`` module is imported once when Django is ready; importing it registers its
handlers with :func:`orchestrator.queue.task_handler`. The core's handlers live beside the code they
run, so this module only names them.
"""

from __future__ import annotations

from orchestrator.actions import script_runs, service_runs
from orchestrator.pipeline import stages
from orchestrator.queue import builtin_tasks

__all__ = ["builtin_tasks", "script_runs", "service_runs", "stages"]
