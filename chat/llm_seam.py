"""The one door from chat to a language model, swappable by dotted path.

``settings.STEWARD_CHAT_LLM`` (env ``STEWARD_CHAT_LLM``) names a callable with the signature of
:func:`orchestrator.llm.chat` — ``(profile, messages, *, priority, schema=None) -> str | dict`` —
raising :class:`orchestrator.llm.LLMError` subclasses on failure. The default is the real LLM
layer; tests and benchmarks point it at a scripted model (``tests.plugins.chat_llm.scripted_chat``).
"""

from __future__ import annotations

from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_CHAT_LLM = "orchestrator.llm.chat"


class ChatLLM(Protocol):
    def __call__(
        self,
        profile: Any,
        messages: list[dict[str, str]],
        *,
        priority: int = 1,
        schema: dict[str, Any] | None = None,
    ) -> str | dict[str, Any]: ...


def chat_llm() -> ChatLLM:
    path = getattr(settings, "STEWARD_CHAT_LLM", "") or DEFAULT_CHAT_LLM
    llm: ChatLLM = import_string(path)
    return llm
