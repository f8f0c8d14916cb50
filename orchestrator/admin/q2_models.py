"""Django-Q2's own admin pages are hidden: Steward's queue is the Task table (one task list).

Our broker keeps every task in :class:`~orchestrator.models.Task` (admin: Tasks), so Django-Q2's
queued, successful and failed task tables stay empty; its schedules are generated from each
integration's ``schedule`` (``orchestrator.running.schedules``) and would be overwritten if edited.
"""

from __future__ import annotations

import contextlib

import django_q.admin  # noqa: F401 -- registers its models first, so they can be unregistered
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django_q.models import Failure, OrmQ, Schedule, Success

for model in (Schedule, Success, Failure, OrmQ):
    with contextlib.suppress(NotRegistered):
        admin.site.unregister(model)
