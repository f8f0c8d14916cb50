"""The rules a safety check reads: the configuration in the database, or a reference-format file
before it is imported (read as data: nothing is validated into, or written to, the database)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations import registry
from integrations.base import PlatformSpec


@dataclass(frozen=True)
class PlatformRules:
    integration_id: str  # email.personal
    integration_type: str
    platform: str
    spec: PlatformSpec | None
    classifications: Any  # as configured; None = the platform's defaults
    automations: Any
    repos: tuple[str, ...] = ()  # GitHub: where a stranger may open pull requests and issues
    scripts: Mapping[str, bool] = field(default_factory=dict)
    services: Mapping[str, bool] = field(default_factory=dict)
    sensitive: Mapping[str, frozenset[str]] = field(default_factory=dict)


def _repos(settings: Any) -> tuple[str, ...]:
    found: list[str] = []
    entries = settings.get("repos") if isinstance(settings, Mapping) else None
    for entry in entries if isinstance(entries, list) else []:
        repo = entry.get("repo") if isinstance(entry, Mapping) else entry
        if isinstance(repo, str) and "/" in repo:
            found.append(repo)
    return tuple(found) or ("your-org/your-repo",)


def _spec(type_name: str, platform: str) -> PlatformSpec | None:
    if type_name not in registry.type_names():
        return None
    return registry.get(type_name).platforms.get(platform)


def from_database() -> list[PlatformRules]:
    from orchestrator.models import PlatformConfig
    from orchestrator.models.config import script_reversibility, sensitive_inputs, service_reversibility

    scripts, services, sensitive = script_reversibility(), service_reversibility(), sensitive_inputs()
    rules = []
    queryset = PlatformConfig.objects.select_related("integration").filter(
        enabled=True, integration__enabled=True
    )
    for platform in queryset.order_by("integration__type", "integration__name", "name"):
        integration = platform.integration
        rules.append(
            PlatformRules(
                integration.integration_id,
                integration.type,
                platform.name,
                _spec(integration.type, platform.name),
                platform.classifications,
                platform.automations,
                _repos(integration.settings),
                scripts,
                services,
                sensitive,
            )
        )
    return rules


def from_document(config: Any) -> list[PlatformRules]:
    """From a loaded reference-format document (``load_yaml``); malformed parts are skipped."""
    if not isinstance(config, Mapping):
        return []
    scripts = {
        str(name): body.get("reversible") is True
        for name, body in (config.get("scripts") or {}).items()
        if isinstance(body, Mapping)
    }
    sensitive: dict[str, frozenset[str]] = {
        str(name): frozenset(str(i) for i in body.get("sensitive_inputs") or [])
        for name, body in (config.get("scripts") or {}).items()
        if isinstance(body, Mapping) and isinstance(body.get("sensitive_inputs"), list)
    }
    integrations = [entry for entry in config.get("integrations") or [] if isinstance(entry, Mapping)]
    services: dict[str, bool] = {}
    for entry in integrations:
        type_name = str(entry.get("type"))
        if type_name in registry.type_names():
            for name, service in registry.get(type_name).services.items():
                services[f"{type_name}.{entry.get('name')}.{name}"] = service.reversible
                if service.sensitive_inputs:
                    sensitive[f"{type_name}.{entry.get('name')}.{name}"] = service.sensitive_inputs
    rules = []
    for entry in integrations:
        type_name, name = str(entry.get("type")), str(entry.get("name"))
        platforms = entry.get("platforms") or {}
        if entry.get("enabled") is False or not isinstance(platforms, Mapping):
            continue
        for platform, body in platforms.items():
            if not isinstance(body, Mapping) or body.get("enabled") is False:
                continue
            rules.append(
                PlatformRules(
                    f"{type_name}.{name}",
                    type_name,
                    str(platform),
                    _spec(type_name, str(platform)),
                    body.get("classifications"),
                    body.get("automations") or [],
                    _repos(entry),
                    scripts,
                    services,
                    sensitive,
                )
            )
    return rules
