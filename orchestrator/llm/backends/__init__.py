"""Choosing a backend for a profile, by dotted path (the shape of Django's ``mail.get_connection``).

``profile.backend`` names a backend (``openai``, ``embedded``); the name maps to a class path in
:data:`DEFAULT_BACKENDS`, which the ``LLM_BACKENDS`` setting may extend or override (tests plug in
their own that way). A dotted path may also be given directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

from orchestrator.llm.errors import LLMConfigError

if TYPE_CHECKING:
    from orchestrator.llm.backends.base import Backend
    from orchestrator.models import LLMProfile

DEFAULT_BACKENDS = {
    "openai": "orchestrator.llm.backends.openai.OpenAIBackend",
    "embedded": "orchestrator.llm.backends.embedded.EmbeddedBackend",
}


def backend_path(name: str) -> str:
    paths = {**DEFAULT_BACKENDS, **getattr(settings, "LLM_BACKENDS", {})}
    if name in paths:
        return paths[name]
    if "." in name:
        return name
    raise LLMConfigError(f"Unknown LLM backend {name!r}; valid: {', '.join(sorted(paths))}")


def get_backend(profile: LLMProfile) -> Backend:
    path = backend_path(profile.backend)
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise LLMConfigError(f"LLM backend {path!r} cannot be imported: {exc}") from exc
    backend: Backend = backend_class(profile)
    return backend
