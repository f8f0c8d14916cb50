"""Steward's core models, one module per concern."""

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
from orchestrator.models.items import Item
from orchestrator.models.runs import Run
from orchestrator.models.tasks import Task, WorkerHeartbeat
from orchestrator.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "ChatSettings",
    "Integration",
    "Item",
    "LLMProfile",
    "MirrorDirectories",
    "PlatformConfig",
    "QueuePolicy",
    "QueueSettings",
    "Run",
    "Script",
    "Task",
    "WorkerHeartbeat",
]
