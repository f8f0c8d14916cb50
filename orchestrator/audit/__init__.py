"""The audit log: what happened, in words a person reads, written by the code that did it."""

from orchestrator.audit.actions import action_audit
from orchestrator.audit.log import audit

__all__ = ["action_audit", "audit"]
