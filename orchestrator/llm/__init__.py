"""The LLM layer (docs/LLM.md): the model only classifies, and its output is never trusted.

Entry points: :func:`classify` (external content in, a schema-valid dict out) and :func:`chat`
(plain text, or a schema-valid dict). External text goes through :func:`frame`/:func:`prepare`.
Every error is an :class:`LLMError` whose ``permanent``/``retry_after_s`` the task queue honours.
"""

from __future__ import annotations

from orchestrator.llm.breaker import LLMCircuitOpen
from orchestrator.llm.calls import chat, classify, resolve_profile
from orchestrator.llm.errors import (
    LLMBusy,
    LLMConfigError,
    LLMError,
    LLMRejected,
    LLMTimeout,
    LLMUnavailable,
    StructuredOutputError,
    UnknownProfile,
)
from orchestrator.llm.framing import (
    EMAIL_BODY_LIMIT,
    LONG_BODY_LIMIT,
    SHORT_FIELD_LIMIT,
    Framed,
    frame,
    prepare,
)
from orchestrator.llm.prompts import PROMPT_VERSION

__all__ = [
    "EMAIL_BODY_LIMIT",
    "LONG_BODY_LIMIT",
    "PROMPT_VERSION",
    "SHORT_FIELD_LIMIT",
    "Framed",
    "LLMBusy",
    "LLMCircuitOpen",
    "LLMConfigError",
    "LLMError",
    "LLMRejected",
    "LLMTimeout",
    "LLMUnavailable",
    "StructuredOutputError",
    "UnknownProfile",
    "chat",
    "classify",
    "frame",
    "prepare",
    "resolve_profile",
]
