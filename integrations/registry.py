"""Which integration types exist: the built-ins plus the plugins named in STEWARD_PLUGINS.

A plugin is a module exposing ``INTEGRATION_TYPE`` (one :class:`IntegrationType`) or
``INTEGRATION_TYPES`` (several). The registry is filled once, when the ``integrations`` app is ready.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from integrations.base import IntegrationType

# Built-in types, by module path; each later issue adds its own (email, github, web_research).
BUILTIN_PLUGINS: tuple[str, ...] = ("integrations.email.plugin",)

_types: dict[str, IntegrationType] = {}


class UnknownIntegrationType(LookupError):
    def __init__(self, name: str):
        valid = ", ".join(sorted(_types)) or "(none registered)"
        super().__init__(f"Unknown integration type {name!r}. Valid types: {valid}")


def register(integration_type: IntegrationType) -> IntegrationType:
    existing = _types.get(integration_type.type)
    if existing is not None and existing is not integration_type:
        raise ImproperlyConfigured(f"Integration type {integration_type.type!r} is registered twice")
    _types[integration_type.type] = integration_type
    return integration_type


def get(type_name: str) -> IntegrationType:
    try:
        return _types[type_name]
    except KeyError:
        raise UnknownIntegrationType(type_name) from None


def all_types() -> list[IntegrationType]:
    return [_types[name] for name in sorted(_types)]


def type_names() -> set[str]:
    return set(_types)


def type_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(_types)]


def _declarations(module_path: str) -> Iterable[IntegrationType]:
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"Cannot import integration plugin {module_path!r} (from STEWARD_PLUGINS): {exc}"
        ) from exc
    declared = getattr(module, "INTEGRATION_TYPES", None)
    if declared is None and hasattr(module, "INTEGRATION_TYPE"):
        declared = [module.INTEGRATION_TYPE]
    if not declared:
        raise ImproperlyConfigured(
            f"Plugin {module_path!r} declares no INTEGRATION_TYPE or INTEGRATION_TYPES"
        )
    for item in declared:
        if not isinstance(item, IntegrationType):
            raise ImproperlyConfigured(f"Plugin {module_path!r} declares {item!r}, not an IntegrationType")
        yield item


def load_plugins() -> None:
    for module_path in (*BUILTIN_PLUGINS, *settings.STEWARD_PLUGINS):
        for integration_type in _declarations(module_path):
            register(integration_type)
