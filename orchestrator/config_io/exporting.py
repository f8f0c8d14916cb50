"""``config_export``: the database as the reference YAML configuration (docs/CONFIG.md).

Secrets are written as ``!secret <name>`` references with stable generated names
(``llm_<name>_token``, ``<type>_<name>_<field>``) and never as values; the matching secrets template
lists those names with empty values. The output is a deterministic function of the stored
configuration (fixed key order, objects sorted by id), so export → import → export is byte-stable.

Fields at their model default are left out of list-like sections (llms, integrations, platforms),
since import fills a missing key with the same default; the one-row sections (chat, queue_policies,
directories) are written in full when their row exists, and left out when it does not.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from orchestrator import models
from orchestrator.config_io.import_run import field_default
from orchestrator.config_io.secret_refs import integration_secret_name, llm_secret_name
from orchestrator.config_io.yaml_format import SecretRef, Yolo, dump_yaml

CONFIG_HEADER = (
    "# Steward configuration, written by `manage.py export_config` (import it with `import_config`).\n"
    "# Secrets are !secret references to the secrets file, never values.\n\n"
)
SECRETS_HEADER = "# Secrets for the !secret references in the config file. Fill in each value;\n" + (
    "# an empty value keeps what is already stored when the config is imported again.\n"
)


def config_export() -> tuple[str, str]:
    """The configuration as ``(config YAML, secrets template YAML)``; the template is ``""`` when
    nothing is secret."""
    secret_names: list[str] = []
    document: dict[str, Any] = {}
    sections = {
        "llms": _llms(secret_names),
        "integrations": _integrations(secret_names),
        "scripts": _scripts(),
        "chat": _chat(),
        "queue_policies": _queue_policies(),
        "directories": _directories(),
    }
    for key, value in sections.items():
        if value is not None and value != {} and value != []:
            document[key] = value
    config_text = CONFIG_HEADER + (_spaced(dump_yaml(document)) if document else "{}\n")
    template = SECRETS_HEADER + dump_yaml(dict.fromkeys(secret_names, "")) if secret_names else ""
    return config_text, template


def _spaced(text: str) -> str:
    """A blank line between top-level sections (the only lines that start in column 0)."""
    lines = text.splitlines(keepends=True)
    return "".join(
        ("\n" + line) if index and not line[:1].isspace() else line for index, line in enumerate(lines)
    )


def _non_default(instance: Model, names: list[str]) -> dict[str, Any]:
    """The fields among *names* whose value differs from the model default, in the order given."""
    values = {}
    for name in names:
        value = getattr(instance, name)
        if value != field_default(instance, name):
            values[name] = value
    return values


def _llms(secret_names: list[str]) -> dict[str, Any]:
    llms: dict[str, Any] = {}
    for profile in models.LLMProfile.objects.order_by("name"):
        body = _non_default(profile, ["base_url", "model"])
        if profile.token:
            secret_names.append(llm_secret_name(profile.name))
            body["token"] = SecretRef(llm_secret_name(profile.name))
        body |= _non_default(
            profile,
            [
                "parameters",
                "backend",
                "structured_output",
                "timeout_s",
                "max_concurrency",
                "send_fields",
                "redact",
            ],
        )
        llms[profile.name] = body
    return llms


def _integrations(secret_names: list[str]) -> list[dict[str, Any]]:
    integrations = []
    queryset = (
        models.Integration.objects.select_related("llm")
        .prefetch_related("platforms")
        .order_by("type", "name")
    )
    for integration in queryset:
        body: dict[str, Any] = {"type": integration.type, "name": integration.name}
        if not integration.enabled:
            body["enabled"] = False
        body |= integration.settings or {}
        stored_secrets = integration.secrets or {}
        for field in _secret_field_order(integration, stored_secrets):
            name = integration_secret_name(integration.type, integration.name, field)
            secret_names.append(name)
            body[field] = SecretRef(name)
        if integration.schedule_every:
            body["schedule"] = {"every": integration.schedule_every}
        elif integration.schedule_cron:
            body["schedule"] = {"cron": integration.schedule_cron}
        if integration.llm is not None:
            body["llm"] = integration.llm.name
        platforms = {p.name: _platform(p) for p in sorted(integration.platforms.all(), key=lambda p: p.name)}
        if platforms:
            body["platforms"] = platforms
        integrations.append(body)
    return integrations


def _secret_field_order(integration: models.Integration, stored: dict[str, Any]) -> list[str]:
    """Stored secret fields in the order the type declares them (stored order for an unknown type)."""
    try:
        declared = list(integration.spec.secret_fields)
    except LookupError:
        declared = []
    return [f for f in declared if stored.get(f)] + sorted(
        f for f in stored if f not in declared and stored[f]
    )


def _platform(config: models.PlatformConfig) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if not config.enabled:
        body["enabled"] = False
    if config.mode != "live":
        body["mode"] = config.mode
    body |= config.options or {}
    if config.classifications is not None:
        body["classifications"] = config.classifications
    if config.automations:
        body["automations"] = [_automation(rule) for rule in config.automations]
    return body


def _automation(rule: Any) -> Any:
    """A rule with its keys in a fixed order and ``{"yolo": action}`` actions shown as ``!yolo``."""
    if not isinstance(rule, dict):
        return rule
    order = ["name", "mode", "when", "then", "on_blocked"]
    body = {k: rule[k] for k in order if k in rule} | {k: v for k, v in rule.items() if k not in order}
    if "then" in body:
        then = body["then"]
        body["then"] = [_action(a) for a in then] if isinstance(then, list) else _action(then)
    return body


def _action(action: Any) -> Any:
    if isinstance(action, dict) and list(action) == ["yolo"]:
        return Yolo(action["yolo"])
    return action


def _scripts() -> dict[str, Any]:
    scripts: dict[str, Any] = {}
    for script in models.Script.objects.order_by("name"):
        body = _non_default(script, ["description"])
        body |= {"shell": script.shell}
        body |= _non_default(script, ["inputs"])
        body |= {"timeout": script.timeout, "reversible": script.reversible}
        body |= _non_default(script, ["output", "on_output", "sensitive_inputs"])
        scripts[script.name] = body
    return scripts


def _chat() -> dict[str, Any] | None:
    settings = models.ChatSettings.objects.select_related("llm").filter(pk=1).first()
    if settings is None:
        return None
    body: dict[str, Any] = {}
    if settings.llm is not None:
        body["llm"] = settings.llm.name
    body["system_prompt"] = settings.system_prompt
    return body


def _rate_limited(body: dict[str, Any], policy: models.QueueSettings | models.QueuePolicy) -> dict[str, Any]:
    if policy.rate_limit_max and policy.rate_limit_per:
        body["rate_limit"] = {"max": policy.rate_limit_max, "per": policy.rate_limit_per}
    return body


def _queue_policies() -> dict[str, Any] | None:
    section: dict[str, Any] = {}
    settings = models.QueueSettings.objects.filter(pk=1).first()
    if settings is not None:
        section["retention"] = settings.retention
        section["defaults"] = _rate_limited({"deduplicate_pending": settings.deduplicate_pending}, settings)
    overrides = {}
    for policy in models.QueuePolicy.objects.order_by("task_type"):
        body = (
            {} if policy.deduplicate_pending is None else {"deduplicate_pending": policy.deduplicate_pending}
        )
        overrides[policy.task_type] = _rate_limited(body, policy)
    if overrides:
        section["overrides"] = overrides
    return section or None


def _directories() -> dict[str, Any] | None:
    mirrors = models.MirrorDirectories.objects.filter(pk=1).first()
    if mirrors is None:
        return None
    return {"notes": mirrors.notes, "logs": mirrors.logs}
