"""``config_import``: the reference YAML configuration (docs/CONFIG.md) into the database.

Import is atomic (one transaction; any problem rolls everything back) and idempotent (update or
create by id: LLM name, integration ``type.name``, platform name, script name, queue policy
pattern). An entry in the file describes its object completely; objects the file does not mention
are left alone — import never deletes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from orchestrator.config_io.document import ConfigError, Kind, Reader, child
from orchestrator.config_io.import_run import ImportReport, ImportRun, fill, save_validated, tracked_values
from orchestrator.config_io.integrations_section import integrations_import
from orchestrator.config_io.secret_refs import SecretResolver, misplaced_secret_refs
from orchestrator.config_io.yaml_format import SecretRef
from orchestrator.models import (
    ChatSettings,
    LLMProfile,
    MirrorDirectories,
    QueuePolicy,
    QueueSettings,
    Script,
)

TOP_LEVEL: dict[str, Kind] = {
    "llms": dict,
    "integrations": list,
    "scripts": dict,
    "chat": dict,
    "queue_policies": dict,
    "directories": dict,
}
LLM_KEYS: dict[str, Kind] = {
    "base_url": str,
    "model": str,
    "token": (str, SecretRef),
    "parameters": dict,
    "backend": str,
    "structured_output": str,
    "timeout_s": int,
    "max_concurrency": int,
    "send_fields": list,
    "redact": list,
}
SCRIPT_KEYS: dict[str, Kind] = {
    "description": str,
    "shell": str,
    "inputs": list,
    "timeout": int,
    "reversible": bool,
    "output": str,
    "on_output": str,
    "sensitive_inputs": list,
}
ON_OUTPUT_ALIASES = {"human_log": "audit"}
CHAT_KEYS: dict[str, Kind] = {"llm": str, "system_prompt": str}
QUEUE_KEYS: dict[str, Kind] = {"retention": str, "defaults": dict, "overrides": dict}
POLICY_KEYS: dict[str, Kind] = {"deduplicate_pending": bool, "rate_limit": dict}
RATE_LIMIT_KEYS: dict[str, Kind] = {"max": int, "per": str}
DIRECTORY_KEYS: dict[str, Kind] = {"notes": str, "logs": str}
# The reference kept these on disk; the database replaces them (Appendix A.2).
IGNORED_DIRECTORIES = ("task_queue", "chats", "custom_integrations")


def unstorable_text(value: Any, where: str) -> list[str]:
    """Every string (key or value) in *value* that no database can store as text, by its path."""
    from orchestrator.security.json_input import text_problems

    found = text_problems(
        value,
        where,
        key_place=lambda place, key: f"{place}.{key}" if place else str(key),
        index_place=lambda place, index: f"{place}[{index}]",
    )
    return sorted(f"{place or 'config'}: {problem}" for place, problem in found)


def config_import(*, config: Any, secrets: Mapping[str, Any]) -> ImportReport:
    """Import a parsed config document (``!secret`` values looked up in *secrets*); all or nothing.

    Raises :class:`ConfigError` listing every problem found, each with the path of its key.
    """
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ConfigError(["the config must be a mapping of sections: " + ", ".join(TOP_LEVEL)])
    if not isinstance(secrets, Mapping):
        raise ConfigError(["the secrets file must be a mapping of key: value"])
    # A misplaced !secret would reach a plain field, so it stops the import before anything else.
    misplaced = misplaced_secret_refs(config)
    if misplaced:
        raise ConfigError(misplaced)
    # NUL and lone surrogates: SQLite would store them, PostgreSQL refuses them mid-import.
    unstorable = unstorable_text(config, "") + unstorable_text(dict(secrets), "secrets")
    if unstorable:
        raise ConfigError(unstorable)
    reader = Reader()
    reader.known_keys(config, "", TOP_LEVEL)
    sections = reader.typed(config, "", TOP_LEVEL)
    run = ImportRun(reader=reader, secrets=SecretResolver(secrets, reader), report=ImportReport())
    with transaction.atomic():
        _llms_import(sections.get("llms"), run)
        _scripts_import(sections.get("scripts"), run)
        integrations_import(sections.get("integrations"), run)
        _chat_import(sections.get("chat"), run)
        _queue_import(sections.get("queue_policies"), run)
        _directories_import(sections.get("directories"), run)
        if reader.problems:
            raise ConfigError(reader.problems)  # rolls the transaction back
    run.report.notices = reader.notices
    return run.report


def _llms_import(llms: dict[str, Any] | None, run: ImportRun) -> None:
    for key, value in (llms or {}).items():
        name, path = str(key), child("llms", key)
        body = run.reader.mapping(value, path)
        fields = run.reader.section(body, path, LLM_KEYS)
        if body is None or fields is None:
            run.failed_llms.add(name)
            continue
        profile = LLMProfile.objects.filter(name=name).first() or LLMProfile(name=name)
        before = tracked_values(profile)
        token = run.secrets.resolve(body.get("token"), child(path, "token"), stored=profile.token)
        if token is None:
            run.failed_llms.add(name)
            continue
        fill(profile, fields | {"token": token}, LLM_KEYS)
        if save_validated(
            profile, before=before, label=f"llm {name}", path=path, run=run, field_paths={"name": path}
        ):
            run.llms[name] = profile
        else:
            run.failed_llms.add(name)


def _scripts_import(scripts: dict[str, Any] | None, run: ImportRun) -> None:
    for key, value in (scripts or {}).items():
        name, path = str(key), child("scripts", key)
        body = run.reader.mapping(value, path)
        fields = run.reader.section(body, path, SCRIPT_KEYS)
        if fields is None:
            continue
        if "on_output" in fields:
            fields["on_output"] = ON_OUTPUT_ALIASES.get(fields["on_output"], fields["on_output"])
        script = Script.objects.filter(name=name).first() or Script(name=name)
        before = tracked_values(script)
        fill(script, fields, SCRIPT_KEYS)
        save_validated(
            script, before=before, label=f"script {name}", path=path, run=run, field_paths={"name": path}
        )


def _chat_import(chat: dict[str, Any] | None, run: ImportRun) -> None:
    fields = run.reader.section(chat, "chat", CHAT_KEYS)
    if fields is None:
        return
    found, profile = run.llm_profile(fields.get("llm"), "chat.llm")
    if not found:
        return
    settings = ChatSettings.objects.filter(pk=1).first() or ChatSettings(pk=1)
    before = tracked_values(settings)
    fill(settings, fields, ["system_prompt"])
    settings.llm = profile
    save_validated(settings, before=before, label="chat settings", path="chat", run=run)


def _policy_fields(body: Any, path: str, run: ImportRun) -> dict[str, Any] | None:
    """``{deduplicate_pending, rate_limit: {max, per}}`` as model field values."""
    mapping = run.reader.mapping(body, path)
    fields = run.reader.section(mapping, path, POLICY_KEYS)
    if fields is None:
        return None
    values: dict[str, Any] = {}
    if "deduplicate_pending" in fields:
        values["deduplicate_pending"] = fields["deduplicate_pending"]
    if "rate_limit" in fields:
        limit_path = child(path, "rate_limit")
        limit = run.reader.section(fields["rate_limit"], limit_path, RATE_LIMIT_KEYS)
        if limit is None:
            return None
        values |= {"rate_limit_max": limit.get("max"), "rate_limit_per": limit.get("per", "")}
    return values


def _rate_limit_paths(path: str) -> dict[str, str]:
    return {
        "deduplicate_pending": child(path, "deduplicate_pending"),
        "rate_limit_max": child(child(path, "rate_limit"), "max"),
        "rate_limit_per": child(child(path, "rate_limit"), "per"),
    }


def _queue_import(queue: dict[str, Any] | None, run: ImportRun) -> None:
    if queue is None:
        return
    fields = run.reader.section(queue, "queue_policies", QUEUE_KEYS)
    if fields is None:
        return
    policy_fields = ["deduplicate_pending", "rate_limit_max", "rate_limit_per"]
    # The settings row is described by retention/defaults; a file with only overrides leaves it alone.
    if "retention" in queue or "defaults" in queue:
        defaults_path = "queue_policies.defaults"
        values = _policy_fields(fields.get("defaults"), defaults_path, run)
        if values is not None:
            settings = QueueSettings.objects.filter(pk=1).first() or QueueSettings(pk=1)
            before = tracked_values(settings)
            fill(
                settings,
                values | {k: fields[k] for k in ("retention",) if k in fields},
                ["retention", *policy_fields],
            )
            paths = _rate_limit_paths(defaults_path) | {"retention": "queue_policies.retention"}
            save_validated(
                settings,
                before=before,
                label="queue settings",
                path="queue_policies",
                run=run,
                field_paths=paths,
            )
    for pattern, body in (fields.get("overrides") or {}).items():
        path = child("queue_policies.overrides", pattern)
        values = _policy_fields(body, path, run)
        if values is None:
            continue
        policy = QueuePolicy.objects.filter(task_type=pattern).first() or QueuePolicy(task_type=str(pattern))
        before = tracked_values(policy)
        fill(policy, values, policy_fields)
        paths = _rate_limit_paths(path) | {"task_type": path}
        save_validated(
            policy, before=before, label=f"queue policy {pattern}", path=path, run=run, field_paths=paths
        )


def _directories_import(directories: dict[str, Any] | None, run: ImportRun) -> None:
    if directories is None:
        return
    fields = run.reader.section(directories, "directories", DIRECTORY_KEYS, ignored=IGNORED_DIRECTORIES)
    for key in IGNORED_DIRECTORIES:
        if key in directories:
            run.reader.notice(
                f"directories.{key}: ignored — Steward keeps this in its database, not in a directory"
            )
    if fields is None:
        return
    mirrors = MirrorDirectories.objects.filter(pk=1).first() or MirrorDirectories(pk=1)
    before = tracked_values(mirrors)
    fill(mirrors, fields, DIRECTORY_KEYS)
    save_validated(mirrors, before=before, label="mirror directories", path="directories", run=run)
