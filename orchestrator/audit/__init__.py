"""The audit log: what happened, in words a person reads, written by the code that did it."""

from orchestrator.audit.actions import action_audit
from orchestrator.audit.log import AuditNote, audit, audit_many

__all__ = ["AuditNote", "action_audit", "audit", "audit_many"]
