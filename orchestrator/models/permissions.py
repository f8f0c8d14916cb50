"""Steward's own permissions: what a person (or their API token) may do through the API and pages.

A model without a table (``managed = False``) that exists only to carry them, so they are ordinary
Django permissions: grant them to users or groups in the admin. The roles are in docs/SECURITY.md;
the checks are :mod:`orchestrator.security.permissions`.
"""

from __future__ import annotations

from django.db import models

PERMISSIONS = (
    ("run_integration", "Can trigger integration runs"),
    ("answer_approval", "Can approve or reject pending actions"),
    ("undo_action", "Can undo done actions"),
    ("use_chat", "Can use the chat"),
    ("view_activity", "Can view integrations, tasks and approvals"),
)


class StewardPermission(models.Model):
    class Meta:
        managed = False  # no table: the permissions are the point
        default_permissions = ()
        permissions = PERMISSIONS
        verbose_name = "Steward permission"

    def __str__(self) -> str:
        return "Steward permissions"
