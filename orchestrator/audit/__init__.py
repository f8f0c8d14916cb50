"""The audit log: what happened, in words a person reads, written by the code that did it."""

from orchestrator.audit.log import audit

__all__ = ["audit"]
