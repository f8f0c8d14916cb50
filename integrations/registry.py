"""Which integration types exist: the built-ins plus the plugins named in STEWARD_PLUGINS.

A plugin is a module exposing ``INTEGRATION_TYPE`` (one :class:`IntegrationType`) or
``INTEGRATION_TYPES`` (several). Built-ins and ``STEWARD_PLUGINS`` entries are loaded the same way:
every module is imported and every declaration validated as a whole (:func:`declaration_problems`)
before any type is registered, so a bad plugin stops the start with an error naming it and never
leaves a half-registered type behind. The registry is filled once, when the ``integrations`` app
is ready. docs/INTEGRATIONS.md describes writing a plugin.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from integrations.base import ActionSpec, DoctorCheck, IntegrationType, PlatformSpec, ServiceSpec

BUILTIN_PLUGINS: tuple[str, ...] = (
    "integrations.email.plugin",
    "integrations.github.plugin",
    "integrations.gemini.plugin",
)

MODULE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

_types: dict[str, IntegrationType] = {}


class UnknownIntegrationType(LookupError):
    def __init__(self, name: str):
        valid = ", ".join(sorted(_types)) or "(none registered)"
        super().__init__(f"Unknown integration type {name!r}. Valid types: {valid}")


def register(integration_type: IntegrationType) -> IntegrationType:
    """Register one validated declaration (a plugin module is loaded by :func:`load_plugins`)."""
    problems = declaration_problems(integration_type)
    if problems:
        raise ImproperlyConfigured(
            f"Integration type {integration_type.type!r} is invalid: " + "; ".join(problems)
        )
    existing = _types.get(integration_type.type)
    if existing is not None and existing is not integration_type:
        raise ImproperlyConfigured(f"Integration type {integration_type.type!r} is registered twice")
    _types[integration_type.type] = integration_type
    return integration_type


def unregister(type_name: str) -> None:
    """Forget a type (tests that load a plugin of their own put the registry back this way)."""
    _types.pop(type_name, None)


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


def _keyed_problems(what: str, declared: Mapping[str, Any], kind: type) -> list[str]:
    problems = []
    for key, spec in declared.items():
        if not isinstance(spec, kind):
            problems.append(f"{what} {key!r} is {spec!r:.80}, not a {kind.__name__}")
        elif getattr(spec, "name", None) != key:
            problems.append(f"{what} {key!r} is declared under another name ({getattr(spec, 'name', '')!r})")
        elif not NAME.match(key):
            problems.append(f"{what} name {key!r} must be lower_snake_case")
    return problems


def _platform_problems(platform: PlatformSpec) -> list[str]:
    where = f"platform {platform.name!r}"
    problems = [
        f"{where}: {stage} is not callable"
        for stage in ("check", "collect")
        if not callable(getattr(platform, stage))
    ]
    for problem in _keyed_problems("action", platform.actions, ActionSpec):
        problems.append(f"{where}: {problem}")
    for name, action in platform.actions.items():
        if not callable(getattr(action, "run", None)):
            problems.append(f"{where}: action {name!r} has no callable run")
    problems += [
        f"{where}: classification {name!r} is declared twice"
        for name in _repeated(c.name for c in platform.default_classifications)
    ]
    return problems


def _repeated(names: Iterable[str]) -> list[str]:
    seen: list[str] = list(names)
    return sorted({name for name in seen if seen.count(name) > 1})


def declaration_problems(integration_type: IntegrationType) -> list[str]:
    """Everything wrong with a declaration, each a readable line (empty when it is sound)."""
    problems = []
    if not NAME.match(integration_type.type):
        problems.append(f"type name {integration_type.type!r} must be lower_snake_case")
    problems += _keyed_problems("platform", integration_type.platforms, PlatformSpec)
    for platform in integration_type.platforms.values():
        if isinstance(platform, PlatformSpec):
            problems += _platform_problems(platform)
    problems += _keyed_problems("service", integration_type.services, ServiceSpec)
    for name, service in integration_type.services.items():
        if isinstance(service, ServiceSpec) and not callable(service.run):
            problems.append(f"service {name!r} has no callable run")
    check_names = []
    for check in integration_type.checks:
        if not isinstance(check, DoctorCheck) or not callable(check.run):
            problems.append(f"check {check!r:.80} is not a DoctorCheck with a callable run")
        else:
            check_names.append(check.name)
    problems += [f"check {name!r} is declared twice" for name in _repeated(check_names)]
    secret_in_schema = set(integration_type.secret_fields) & set(
        integration_type.settings_schema.get("properties", {})
    )
    problems += [f"secret field {n!r} is also in settings_schema" for n in sorted(secret_in_schema)]
    return problems


def _declarations(module_path: str) -> list[IntegrationType]:
    """The validated declarations of one plugin module, or :class:`ImproperlyConfigured` naming it."""
    if not isinstance(module_path, str) or not MODULE_PATH.match(module_path):
        raise ImproperlyConfigured(
            f"Integration plugin {module_path!r} (from STEWARD_PLUGINS) is not a dotted module path; "
            "write e.g. mypackage.steward_plugin, separated by commas"
        )
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"Cannot import integration plugin {module_path!r}: {exc} (check STEWARD_PLUGINS)"
        ) from exc
    except Exception as exc:  # a declaration that fails while being built (e.g. by_name duplicates)
        raise ImproperlyConfigured(
            f"Integration plugin {module_path!r} failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    declared = getattr(module, "INTEGRATION_TYPES", None)
    if declared is None and hasattr(module, "INTEGRATION_TYPE"):
        declared = [module.INTEGRATION_TYPE]
    if not declared:
        raise ImproperlyConfigured(
            f"Plugin {module_path!r} declares no INTEGRATION_TYPE or INTEGRATION_TYPES"
        )
    found = []
    for item in declared:
        if not isinstance(item, IntegrationType):
            raise ImproperlyConfigured(f"Plugin {module_path!r} declares {item!r}, not an IntegrationType")
        problems = declaration_problems(item)
        if problems:
            raise ImproperlyConfigured(
                f"Plugin {module_path!r}: integration type {item.type!r} is invalid: " + "; ".join(problems)
            )
        found.append(item)
    return found


def load_plugins(module_paths: Iterable[str] | None = None) -> list[IntegrationType]:
    """Import and validate every plugin, then register them all (or none, on an error)."""
    paths = list(module_paths) if module_paths is not None else [*BUILTIN_PLUGINS, *settings.STEWARD_PLUGINS]
    loaded: dict[str, tuple[str, IntegrationType]] = {}
    for module_path in paths:
        for integration_type in _declarations(module_path):
            earlier = loaded.get(integration_type.type)
            if earlier is not None and earlier[1] is not integration_type:
                raise ImproperlyConfigured(
                    f"Integration type {integration_type.type!r} is declared by both "
                    f"{earlier[0]!r} and {module_path!r}"
                )
            loaded[integration_type.type] = (module_path, integration_type)
    for _, integration_type in loaded.values():
        register(integration_type)
    return [integration_type for _, integration_type in loaded.values()]
