"""Steward's core models, one module per concern."""

from orchestrator.models.approvals import Approval
from orchestrator.models.audit import AuditEntry, AuditHead
from orchestrator.models.config import (
    ChatSettings,
    Integration,
    LLMProfile,
    MirrorDirectories,
    PlatformConfig,
    QueuePolicy,
    QueueSettings,
    Script,
)
from orchestrator.models.egress import EgressRecord
from orchestrator.models.items import Item
from orchestrator.models.ledger import ActionRecord
from orchestrator.models.llm import LLMCall, LLMLease
from orchestrator.models.notes import Note
from orchestrator.models.permissions import StewardPermission
from orchestrator.models.runs import Run
from orchestrator.models.tasks import ServiceLease, Task, WorkerHeartbeat
from orchestrator.models.tokens import ApiToken

__all__ = [
    "ActionRecord",
    "ApiToken",
    "Approval",
    "AuditEntry",
    "AuditHead",
    "ChatSettings",
    "EgressRecord",
    "Integration",
    "Item",
    "LLMCall",
    "LLMLease",
    "LLMProfile",
    "MirrorDirectories",
    "Note",
    "PlatformConfig",
    "QueuePolicy",
    "QueueSettings",
    "Run",
    "Script",
    "ServiceLease",
    "StewardPermission",
    "Task",
    "WorkerHeartbeat",
]
