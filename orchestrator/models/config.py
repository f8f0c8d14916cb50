"""Configuration a person edits in the admin (docs/CONFIG.md), validated where it is saved."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

from integrations import registry
from integrations.base import IntegrationType, PlatformSpec
from orchestrator.encryption import EncryptedJSONField, EncryptedTextField
from orchestrator.json_schema import schema_errors

if TYPE_CHECKING:
    from orchestrator.rules.validation import ValidationReport

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
NAME_HELP = "lower-case letters, digits, '-' and '_' (no dots): it becomes part of the id"


def validate_name(value: str) -> None:
    if not NAME_PATTERN.match(value):
        raise ValidationError(f"{value!r} is not a valid name: use {NAME_HELP}")


def is_private_url(url: str) -> bool:
    """True when *url* points at this machine or a private network (data stays local)."""
    host = urlsplit(url).hostname or ""
    if host in {"localhost"} or host.endswith(".local") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


class Versioned(models.Model):
    """A row people edit concurrently: every save raises ``version`` (orchestrator/admin/concurrency.py)."""

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised by every save; saves made on an older one are refused"
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


class LLMProfile(Versioned):
    class Backend(models.TextChoices):
        OPENAI = "openai", "OpenAI-compatible server (Ollama, llama.cpp server, vLLM, …)"
        EMBEDDED = "embedded", "Embedded llama.cpp (in-process, offline)"

    class StructuredOutput(models.TextChoices):
        AUTO = "auto"
        JSON_SCHEMA = "json_schema"
        JSON_OBJECT = "json_object"
        PROMPT = "prompt"

    name = models.CharField(max_length=64, unique=True, validators=[validate_name])
    backend = models.CharField(max_length=16, choices=Backend.choices, default=Backend.OPENAI)
    base_url = models.CharField(max_length=500, blank=True, help_text="With or without a trailing /v1")
    model = models.CharField(
        max_length=500, blank=True, help_text="Model name, or a GGUF path for the embedded backend"
    )
    token = EncryptedTextField(blank=True, help_text="Bearer token; stored encrypted")
    parameters = models.JSONField(
        default=dict, blank=True, help_text="Merged into each request (never overrides model/messages)"
    )
    structured_output = models.CharField(
        max_length=16, choices=StructuredOutput.choices, default=StructuredOutput.AUTO
    )
    timeout_s = models.PositiveIntegerField(default=120)
    max_concurrency = models.PositiveIntegerField(default=1)
    send_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Only these fields of an item go to this profile (e.g. [subject, body]); empty = all",
    )
    redact = models.JSONField(
        default=list,
        blank=True,
        help_text="Removed before sending: emails, phone_numbers, urls, or {regex: <pattern>, name: <label>}",
    )

    class Meta:
        verbose_name = "LLM profile"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def sends_data_off_machine(self) -> bool:
        return self.backend == self.Backend.OPENAI and not is_private_url(self.base_url)

    def clean(self) -> None:
        if self.backend == self.Backend.OPENAI and not self.base_url:
            raise ValidationError({"base_url": "An OpenAI-compatible profile needs a base_url"})
        if self.base_url and urlsplit(self.base_url).scheme not in {"http", "https"}:
            raise ValidationError({"base_url": "base_url must start with http:// or https://"})
        try:
            host = urlsplit(self.base_url).hostname if self.base_url else "-"
        except ValueError:
            host = None
        if not host:  # nowhere to send to: say so now, not at the first classification
            raise ValidationError(
                {"base_url": f"base_url {self.base_url!r} names no host, e.g. http://localhost:11434"}
            )
        if not isinstance(self.parameters, dict):
            raise ValidationError({"parameters": "parameters must be a JSON object"})
        if self.timeout_s < 1:
            raise ValidationError({"timeout_s": "timeout_s must be at least 1 second"})
        if self.max_concurrency < 1:
            raise ValidationError({"max_concurrency": "max_concurrency must be at least 1"})
        from orchestrator.egress.fields import send_fields_errors
        from orchestrator.egress.redaction import redaction_errors

        problems = {
            "redact": redaction_errors(self.redact),
            "send_fields": send_fields_errors(self.send_fields),
        }
        if any(problems.values()):
            raise ValidationError({name: errors for name, errors in problems.items() if errors})


class Integration(Versioned):
    type = models.CharField(max_length=64)
    name = models.CharField(max_length=64, validators=[validate_name], help_text=NAME_HELP)
    enabled = models.BooleanField(default=True)
    schedule_every = models.CharField(
        "every", max_length=16, blank=True, help_text="A true interval, e.g. 30m, 2h, 1d (min 1m)"
    )
    schedule_cron = models.CharField(
        "cron", max_length=120, blank=True, help_text="5-field cron, e.g. '0 8-18 * * 1-5'"
    )
    llm = models.ForeignKey(
        LLMProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="integrations"
    )
    settings = models.JSONField(default=dict, blank=True)
    secrets = EncryptedJSONField(blank=True, default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["type", "name"]
        constraints = [models.UniqueConstraint(fields=["type", "name"], name="integration_type_name")]

    def __str__(self) -> str:
        return self.integration_id

    @property
    def integration_id(self) -> str:
        return f"{self.type}.{self.name}"

    @property
    def spec(self) -> IntegrationType:
        return registry.get(self.type)

    def enabled_platform_names(self) -> list[str]:
        declared = self.spec.platforms if self.type in registry.type_names() else {}
        return sorted(p.name for p in self.platforms.all() if p.enabled and p.name in declared)

    def clean(self) -> None:
        from orchestrator.running.schedules import check_cron, parse_every

        errors: dict[str, str] = {}
        try:
            spec = registry.get(self.type)
        except registry.UnknownIntegrationType as exc:
            raise ValidationError({"type": str(exc)}) from None
        if self.schedule_every and self.schedule_cron:
            errors["schedule_cron"] = "Give either every or cron, not both"
        try:
            if self.schedule_every:
                parse_every(self.schedule_every)
        except ValueError as exc:
            errors["schedule_every"] = str(exc)
        try:
            if self.schedule_cron:
                self.schedule_cron = check_cron(self.schedule_cron)
        except ValueError as exc:
            errors["schedule_cron"] = str(exc)
        if not isinstance(self.settings, dict):
            errors["settings"] = "settings must be a JSON object"
        else:
            leaked = sorted(set(self.settings) & set(spec.secret_fields))
            if leaked:
                errors["settings"] = f"{', '.join(leaked)} must be given as secrets, not settings"
            else:
                problems = schema_errors(self.settings, spec.settings_schema)
                if problems:
                    errors["settings"] = "; ".join(problems)
        unknown = sorted(set(self.secrets or {}) - set(spec.secret_fields))
        if unknown:
            valid = ", ".join(spec.secret_fields) or "none"
            errors["secrets"] = f"Unknown secret field(s) {', '.join(unknown)}; valid: {valid}"
        if errors:
            raise ValidationError(errors)


class PlatformConfig(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="platforms")
    name = models.CharField(max_length=64)
    enabled = models.BooleanField(default=True)
    options = models.JSONField(default=dict, blank=True, help_text="limit, window, include_mentions, …")
    classifications = models.JSONField(
        null=True, blank=True, help_text="Empty: the type's defaults. A set here replaces them."
    )
    automations = models.JSONField(default=list, blank=True)
    mode = models.CharField(
        max_length=8,
        choices=[("live", "live"), ("shadow", "shadow: record what every automation would do, run nothing")],
        default="live",
        help_text="shadow: every automation without its own mode: live only records what it would do",
    )

    class Meta:
        verbose_name = "platform"
        ordering = ["integration", "name"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "name"], name="platform_per_integration")
        ]

    def __str__(self) -> str:
        return f"{self.integration_id and self.integration.integration_id}/{self.name}"

    def spec(self) -> PlatformSpec:
        return self.integration.spec.platforms[self.name]

    def automation_report(self) -> ValidationReport:
        """The rules engine's save-time verdict on these automations: errors, warnings, notices."""
        from orchestrator.rules.validation import automation_errors_for

        try:
            declared = self.integration.spec.platforms.get(self.name)
        except registry.UnknownIntegrationType:
            declared = None  # fail safe: nothing deterministic, no platform actions
        return automation_errors_for(
            declared,
            self.classifications,
            self.automations,
            scripts=script_reversibility(),
            services=service_reversibility(),
            sensitive=sensitive_inputs(),
            platform_shadow=self.mode == "shadow",
        )

    def clean(self) -> None:
        from orchestrator.rules.classifications import classification_errors

        try:
            spec = self.integration.spec
        except registry.UnknownIntegrationType:
            return  # the integration's own clean reports the type
        if self.name not in spec.platforms:
            valid = ", ".join(sorted(spec.platforms)) or "none (service-only type)"
            raise ValidationError({"name": f"Unknown platform {self.name!r}; valid: {valid}"})
        errors: dict[str, str | list[str]] = {}
        if not isinstance(self.options, dict):
            errors["options"] = "options must be a mapping"
        else:
            problems = schema_errors(self.options, spec.platforms[self.name].options_schema)
            if problems:
                errors["options"] = "; ".join(problems)
        problems = classification_errors(self.classifications)
        if problems:
            errors["classifications"] = "; ".join(problems)
        problems = list(self.automation_report().errors)  # grammar, names, the safety gate
        if problems:
            errors["automations"] = problems
        if errors:
            raise ValidationError(errors)


def script_reversibility() -> dict[str, bool]:
    """Script name → declared reversible, for the rules engine (scripts are irreversible by default)."""
    return {name: reversible for name, reversible in Script.objects.values_list("name", "reversible")}


def service_reversibility() -> dict[str, bool]:
    """Service instance id (``<type>.<integration>.<service>``) → declared reversible."""
    found: dict[str, bool] = {}
    for integration in Integration.objects.all():
        if integration.type not in registry.type_names():
            continue
        for name, service in integration.spec.services.items():
            found[f"{integration.integration_id}.{name}"] = service.reversible
    return found


def sensitive_inputs() -> dict[str, frozenset[str]]:
    """Script name or service instance id → the inputs declared sensitive (argument taint)."""
    found = {
        name: frozenset(inputs or [])
        for name, inputs in Script.objects.values_list("name", "sensitive_inputs")
        if isinstance(inputs, list) and inputs
    }
    for integration in Integration.objects.all():
        if integration.type not in registry.type_names():
            continue
        for name, service in integration.spec.services.items():
            if service.sensitive_inputs:
                found[f"{integration.integration_id}.{name}"] = service.sensitive_inputs
    return found


class Script(Versioned):
    class OnOutput(models.TextChoices):
        NONE = "", "keep on the task only"
        AUDIT = "audit", "write to the audit log"

    name = models.CharField(max_length=64, unique=True, validators=[validate_name])
    description = models.CharField(max_length=300, blank=True)
    shell = models.TextField(help_text="Run with bash in a temp dir with a minimal environment")
    inputs = models.JSONField(default=list, blank=True, help_text="Declared input names")
    timeout = models.PositiveIntegerField(default=120, help_text="Seconds")
    output = models.CharField(max_length=64, blank=True, help_text="Shell variable to capture")
    on_output = models.CharField(max_length=16, blank=True, choices=OnOutput.choices)
    reversible = models.BooleanField(default=False)
    sensitive_inputs = models.JSONField(
        default=list,
        blank=True,
        help_text="Inputs that choose where the effect goes or who sees it (a URL, a recipient): "
        "rules may only write them literally",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.inputs, list) or not all(isinstance(i, str) for i in self.inputs):
            raise ValidationError({"inputs": "inputs must be a list of names"})
        sensitive = self.sensitive_inputs or []
        if not isinstance(sensitive, list) or not all(isinstance(i, str) for i in sensitive):
            raise ValidationError({"sensitive_inputs": "sensitive_inputs must be a list of input names"})
        undeclared = [name for name in sensitive if name not in self.inputs]
        if undeclared:
            declared = ", ".join(self.inputs) or "none"
            problem = f"{', '.join(undeclared)} is not one of the inputs ({declared})"
            raise ValidationError({"sensitive_inputs": problem})


class SingletonModel(Versioned):
    """A settings model with exactly one row (pk 1), created on first :meth:`load`."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self._meta.verbose_name).capitalize()

    @classmethod
    def load(cls) -> Self:
        obj, _ = cls._default_manager.get_or_create(pk=1)
        return obj


class QueueSettings(SingletonModel):
    """The one row of queue-wide settings (the appendix's ``queue_policies.retention/defaults``)."""

    retention = models.CharField(max_length=16, default="7d", help_text="Keep finished tasks this long")
    deduplicate_pending = models.BooleanField(default=True)
    rate_limit_max = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_per = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "queue settings"

    def clean(self) -> None:
        from orchestrator.durations import parse_duration

        for field in ("retention", "rate_limit_per"):
            value = getattr(self, field)
            if value:
                try:
                    parse_duration(value)
                except ValueError as exc:
                    raise ValidationError({field: str(exc)}) from None
        if bool(self.rate_limit_max) != bool(self.rate_limit_per):
            raise ValidationError({"rate_limit_per": "A rate limit needs both max and per"})


class QueuePolicy(Versioned):
    """Per task type overrides; ``task_type`` may be an fnmatch glob such as ``service.*``."""

    task_type = models.CharField(max_length=200, unique=True)
    deduplicate_pending = models.BooleanField(null=True, blank=True, help_text="Empty: the default")
    rate_limit_max = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_per = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name_plural = "queue policies"
        ordering = ["task_type"]

    def __str__(self) -> str:
        return self.task_type

    def clean(self) -> None:
        from orchestrator.durations import parse_duration

        if self.rate_limit_per:
            try:
                parse_duration(self.rate_limit_per)
            except ValueError as exc:
                raise ValidationError({"rate_limit_per": str(exc)}) from None
        if bool(self.rate_limit_max) != bool(self.rate_limit_per):
            raise ValidationError({"rate_limit_per": "A rate limit needs both max and per"})


class ChatSettings(SingletonModel):
    """The one row of chat settings: which LLM profile answers and with what system prompt."""

    llm = models.ForeignKey(LLMProfile, null=True, blank=True, on_delete=models.SET_NULL)
    system_prompt = models.TextField(blank=True, default="You are a concise, careful assistant.")

    class Meta:
        verbose_name = verbose_name_plural = "chat settings"


class MirrorDirectories(SingletonModel):
    """The one row naming where markdown mirrors go (config ``directories``); env vars win."""

    notes = models.CharField(max_length=500, blank=True)
    logs = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "mirror directories"
