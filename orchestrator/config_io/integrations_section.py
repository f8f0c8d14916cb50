"""The ``integrations:`` list: integrations, their platforms, and their Django-Q2 schedules.

An integration entry mixes model fields (``type``, ``name``, ``enabled``, ``schedule``, ``llm``,
``platforms``) with the type's settings; settings named in the type's ``secret_fields`` go to the
encrypted ``secrets``. A platform entry mixes ``enabled``/``classifications``/``automations`` with the
platform's options. Unknown keys are reported whenever the type's schema is closed
(``additionalProperties: false``); open schemas leave extra keys to the type.
"""

from __future__ import annotations

from typing import Any

from integrations import registry
from integrations.base import IntegrationType, PlatformSpec
from orchestrator.config_io.document import Kind, child, item
from orchestrator.config_io.import_run import ImportRun, fill, save_validated, tracked_values
from orchestrator.models import Integration, PlatformConfig
from orchestrator.rules.automations import AUTOMATION_KEYS
from orchestrator.rules.classifications import CLASSIFICATION_KEYS
from orchestrator.running.config import integration_saved

INTEGRATION_KEYS: dict[str, Kind] = {
    "type": str,
    "name": str,
    "enabled": bool,
    "schedule": dict,
    "llm": str,
    "platforms": dict,
}
SCHEDULE_KEYS: dict[str, Kind] = {"every": str, "cron": str}
PLATFORM_KEYS: dict[str, Kind] = {
    "enabled": bool,
    "mode": str,
    "classifications": dict,
    "automations": list,
}


def _closed_keys(schema: dict[str, Any]) -> set[str] | None:
    """The keys a closed JSON schema allows; ``None`` when the schema accepts any key."""
    if schema.get("additionalProperties") is False:
        return set(schema.get("properties", {}))
    return None


def integrations_import(value: list[Any] | None, run: ImportRun) -> None:
    """Import each entry, then their platforms (so automations may name any integration's service),
    then sync each one's schedules."""
    seen: dict[str, str] = {}
    imported: list[tuple[Integration, Any, str]] = []
    for index, body in enumerate(value or []):
        path = item("integrations", index)
        integration = _integration_import(body, path, seen, run)
        if integration is not None:
            imported.append((integration, body.get("platforms"), path))
    for integration, platforms, path in imported:
        _platforms_import(integration, platforms, child(path, "platforms"), run)
    for integration, _, _ in imported:
        integration_saved(integration=integration)  # its Django-Q2 schedules follow


def _identity(
    body: dict[str, Any], path: str, seen: dict[str, str], run: ImportRun
) -> IntegrationType | None:
    type_name, name = body.get("type"), body.get("name")
    # A type or name of the wrong kind is already reported by the kind check.
    if not isinstance(type_name, str) or not type_name:
        if type_name in (None, ""):
            valid = ", ".join(sorted(registry.type_names())) or "none registered"
            run.reader.problem(child(path, "type"), f"required: the integration type (valid types: {valid})")
        return None
    if not isinstance(name, str) or not name:
        if name in (None, ""):
            run.reader.problem(child(path, "name"), "required: the integration's name (its id is type.name)")
        return None
    try:
        spec = registry.get(type_name)
    except registry.UnknownIntegrationType as exc:
        run.reader.problem(child(path, "type"), str(exc))
        return None
    integration_id = f"{type_name}.{name}"
    if integration_id in seen:
        run.reader.problem(
            path, f"duplicate integration {integration_id} (already defined at {seen[integration_id]})"
        )
        return None
    seen[integration_id] = path
    return spec


def _schedule(value: dict[str, Any] | None, path: str, run: ImportRun) -> dict[str, str] | None:
    fields = run.reader.section(value or {}, path, SCHEDULE_KEYS)
    if fields is None:
        return None
    return {"schedule_every": fields.get("every", ""), "schedule_cron": fields.get("cron", "")}


def _integration_import(body: Any, path: str, seen: dict[str, str], run: ImportRun) -> Integration | None:
    body = run.reader.mapping(body, path)
    if body is None:
        return None
    problems_before = len(run.reader.problems)
    fields = run.reader.typed(body, path, INTEGRATION_KEYS)
    spec = _identity(body, path, seen, run)
    if spec is None:
        return None
    allowed = _closed_keys(spec.settings_schema)
    if allowed is not None:
        run.reader.known_keys(body, path, set(INTEGRATION_KEYS) | allowed | set(spec.secret_fields))
    if "platforms" in body and spec.is_service_only:
        run.reader.problem(child(path, "platforms"), f"type {spec.type} is service-only: it has no platforms")
    schedule = _schedule(fields.get("schedule"), child(path, "schedule"), run)
    found, profile = run.llm_profile(fields.get("llm"), child(path, "llm"))
    if len(run.reader.problems) > problems_before or schedule is None or not found:
        return None

    integration = Integration.objects.filter(type=spec.type, name=body["name"]).first()
    integration = integration or Integration(type=spec.type, name=body["name"])
    before = tracked_values(integration)
    secrets = _secrets(spec, body, integration, path, run)
    if secrets is None:
        return None
    settings = {k: v for k, v in body.items() if k not in INTEGRATION_KEYS and k not in spec.secret_fields}
    fill(integration, fields | schedule, ["enabled", "schedule_every", "schedule_cron"])
    integration.llm = profile
    integration.settings = settings
    integration.secrets = secrets
    field_paths = {
        "type": child(path, "type"),
        "name": child(path, "name"),
        "schedule_every": child(child(path, "schedule"), "every"),
        "schedule_cron": child(child(path, "schedule"), "cron"),
        "settings": path,
        "secrets": path,
        "llm": child(path, "llm"),
    }
    label = f"integration {integration.integration_id}"
    ok = save_validated(integration, before=before, label=label, path=path, run=run, field_paths=field_paths)
    return integration if ok else None


def _secrets(
    spec: IntegrationType, body: dict[str, Any], integration: Integration, path: str, run: ImportRun
) -> dict[str, str] | None:
    """The secret fields the entry gives, resolved; ``None`` after reporting a missing one."""
    secrets: dict[str, str] = {}
    ok = True
    for field in spec.secret_fields:
        stored = str((integration.secrets or {}).get(field, ""))
        secret = run.secrets.resolve(body.get(field), child(path, field), stored=stored)
        ok &= secret is not None
        if secret:
            secrets[field] = secret
    return secrets if ok else None


def _platforms_import(integration: Integration, value: Any, path: str, run: ImportRun) -> None:
    spec = integration.spec
    existing = {p.name: p for p in integration.platforms.all()}
    given = run.reader.mapping(value, path)
    if given is None:
        return
    for key, body in given.items():
        name = str(key)
        if name not in spec.platforms:
            valid = ", ".join(sorted(spec.platforms)) or "none"
            run.reader.problem(
                child(path, key), f"unknown platform of type {spec.type}; valid platforms: {valid}"
            )
            continue
        config = existing.get(name) or PlatformConfig(integration=integration, name=name)
        _platform_import(config, spec.platforms[name], body, child(path, key), run)
    for name, config in existing.items():
        if name not in given and config.enabled:
            config.enabled = False
            config.save(update_fields=["enabled"])
            run.report.updated.append(f"platform {integration.integration_id}/{name} (disabled)")
            run.reader.notice(
                f"{path}: {name} is not in the file, so platform {integration.integration_id}/{name} "
                "was disabled (its settings are kept)"
            )


def _platform_body(value: Any, path: str, run: ImportRun) -> tuple[dict[str, Any], bool] | None:
    """The platform mapping and its enabled flag: a mapping value enables; nothing or false disables."""
    if value is None or value is False:
        return {}, False
    if value is True:
        return {}, True
    if not isinstance(value, dict):
        run.reader.problem(path, "expected a mapping of platform options (`{}` enables the platform)")
        return None
    return value, value.get("enabled", True) is not False


def _rule_keys_known(fields: dict[str, Any], path: str, run: ImportRun) -> bool:
    ok = True
    for name, spec in (fields.get("classifications") or {}).items():
        if isinstance(spec, dict):
            ok &= run.reader.known_keys(
                spec, child(child(path, "classifications"), name), CLASSIFICATION_KEYS
            )
    for index, rule in enumerate(fields.get("automations") or []):
        if isinstance(rule, dict):
            ok &= run.reader.known_keys(rule, item(child(path, "automations"), index), AUTOMATION_KEYS)
    return ok


def _platform_import(
    config: PlatformConfig, spec: PlatformSpec, value: Any, path: str, run: ImportRun
) -> None:
    parsed = _platform_body(value, path, run)
    if parsed is None:
        return
    body, enabled = parsed
    allowed = _closed_keys(spec.options_schema)
    if allowed is not None and not run.reader.known_keys(body, path, set(PLATFORM_KEYS) | allowed):
        return
    problems_before = len(run.reader.problems)
    fields = run.reader.typed(body, path, PLATFORM_KEYS)
    if not _rule_keys_known(fields, path, run) or len(run.reader.problems) > problems_before:
        return
    before = tracked_values(config)
    fill(config, fields, ["mode", "classifications", "automations"])
    config.enabled = enabled
    config.options = {k: v for k, v in body.items() if k not in PLATFORM_KEYS}
    field_paths = {
        "name": path,
        "options": path,
        "enabled": child(path, "enabled"),
        "mode": child(path, "mode"),
        "classifications": child(path, "classifications"),
        "automations": child(path, "automations"),
    }
    label = f"platform {config.integration.integration_id}/{config.name}"
    if save_validated(config, before=before, label=label, path=path, run=run, field_paths=field_paths):
        _automation_notices(config, child(path, "automations"), run)


def _automation_notices(config: PlatformConfig, path: str, run: ImportRun) -> None:
    """What the admin shows beside a successful save (every `!yolo`, `on_blocked: ask`), shown here too."""
    if not config.automations:
        return
    report = config.automation_report()
    for message in (*report.warnings, *report.notices):
        run.reader.notice(f"{path}: {message}")
