"""Admin forms: structured values edited as YAML/JSON text, and secrets that are never shown back.

Secret inputs are password boxes that never render a value: blank keeps what is stored, a "clear"
checkbox removes it, anything else replaces it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from integrations import registry
from integrations.base import IntegrationType
from orchestrator.admin.yaml_text import TextParseError, text_dump, text_parse
from orchestrator.models import ApiToken, Integration, LLMProfile, PlatformConfig

SECRET_PREFIX = "secret_"  # noqa: S105 - a form field name prefix, not a secret
CLEAR_SUFFIX = "_clear"


class RawText(str):
    """What the person typed, shown back verbatim when the form is re-rendered with errors."""

    __slots__ = ()


class StructuredTextField(forms.Field):
    """A JSON value edited as YAML or JSON text; malformed text is an error naming line and column.

    An empty box means the model field's default (``{}``, ``[]``), or ``None`` when it has none.
    """

    widget = forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField", "spellcheck": "false"})

    def __init__(
        self,
        *,
        encoder: Any = None,  # passed by models.JSONField.formfield; text is YAML here
        decoder: Any = None,
        empty_value: Any = None,
        **kwargs: Any,
    ):
        initial = kwargs.get("initial")
        if empty_value is None and callable(initial):
            empty_value = initial()  # the model's default is what an empty box means
        self.empty_value = empty_value
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return copy.deepcopy(self.empty_value)
        try:
            return text_parse(value)
        except TextParseError as exc:
            raise ValidationError(f"{self.label or 'value'}: {exc}", code="invalid") from None

    def validate(self, value: Any) -> None:
        if self.required and value in (None, "", [], {}):
            raise ValidationError(self.error_messages["required"], code="required")

    def bound_data(self, data: Any, initial: Any) -> Any:
        if self.disabled:
            return initial
        return RawText(data) if isinstance(data, str) else data

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, RawText):
            return value
        if value is None or value == self.empty_value:
            return ""
        return text_dump(value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        try:
            value = self.to_python(data)
        except ValidationError:
            return True
        if initial is None:
            initial = self.empty_value
        return json.dumps(initial, sort_keys=True) != json.dumps(value, sort_keys=True)


def secret_input(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


def clear_checkbox(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=f"Clear {label}", required=False)


def secret_help(stored: bool, extra: str = "") -> str:
    state = "A value is stored (never shown): leave blank to keep it." if stored else "Not set."
    return f"{state} {extra}".strip()


class StrayErrorsMixin:
    """Model ``clean()`` errors for fields this form does not show become form-wide errors.

    Without this Django raises ``ValueError`` (a 500) when, say, ``Integration.clean`` reports
    ``secrets`` or a read-only ``type``; the message keeps the field's name.
    """

    fields: dict[str, forms.Field]

    def add_error(self, field: str | None, error: Any) -> None:
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            remapped: dict[str, list[ValidationError]] = {}
            for name, errors in error.error_dict.items():
                if name == NON_FIELD_ERRORS or name in self.fields:
                    remapped.setdefault(name, []).extend(errors)
                else:
                    messages = ValidationError(errors).messages
                    remapped.setdefault(NON_FIELD_ERRORS, []).extend(
                        ValidationError(f"{name}: {message}") for message in messages
                    )
            error = ValidationError(remapped)
        super().add_error(field, error)  # type: ignore[misc]


class LLMProfileForm(forms.ModelForm[LLMProfile]):
    token = secret_input("Token")
    token_clear = clear_checkbox("the stored token")

    class Meta:
        model = LLMProfile
        fields = [
            "name",
            "backend",
            "base_url",
            "model",
            "token",
            "parameters",
            "structured_output",
            "timeout_s",
            "max_concurrency",
            "send_fields",
            "redact",
        ]
        field_classes = {
            "parameters": StructuredTextField,
            "send_fields": StructuredTextField,
            "redact": StructuredTextField,
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.initial.pop("token", None)  # the stored value never reaches the page
        self.fields["token"].help_text = secret_help(bool(self.instance.token), "Sent as a Bearer token.")

    def clean_token(self) -> str:
        value: str = self.cleaned_data.get("token") or ""
        return value if value.strip() else self.instance.token

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("token_clear"):
            if (self.data.get(self.add_prefix("token")) or "").strip():
                self.add_error("token", "Enter a new token or clear the stored one, not both")
            cleaned["token"] = ""
        return cleaned


class IntegrationForm(StrayErrorsMixin, forms.ModelForm[Integration]):
    """The integration form; :func:`integration_form_for` adds one password box per secret field."""

    secret_names: ClassVar[tuple[str, ...]] = ()

    class Meta:
        model = Integration
        fields = ["type", "name", "enabled", "llm", "schedule_every", "schedule_cron", "settings"]
        field_classes = {"settings": StructuredTextField}
        labels = {"llm": "LLM profile"}
        help_texts = {"settings": "YAML or JSON, checked against the type's settings schema"}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if "type" in self.fields:
            self.fields["type"] = forms.ChoiceField(
                choices=_blank_first(registry.type_choices),
                help_text="From the integration registry (built-ins and STEWARD_PLUGINS)",
            )
        if "settings" in self.fields and self.instance.type in registry.type_names():
            self.fields["settings"].help_text = settings_help(registry.get(self.instance.type))
        stored = self.instance.secrets or {}
        for name in self.secret_names:
            field = self.fields[SECRET_PREFIX + name]
            field.help_text = secret_help(name in stored, str(field.help_text))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        type_name = cleaned.get("type") or self.instance.type
        if type_name not in registry.type_names():
            return cleaned  # Integration.clean names the unknown type; stored secrets stay as they are
        declared = registry.get(type_name).secret_fields
        secrets = {k: v for k, v in (self.instance.secrets or {}).items() if k in declared}
        for name in self.secret_names:
            value = cleaned.get(SECRET_PREFIX + name) or ""
            if cleaned.get(SECRET_PREFIX + name + CLEAR_SUFFIX):
                if value.strip():
                    self.add_error(SECRET_PREFIX + name, "Enter a new value or clear it, not both")
                secrets.pop(name, None)
            elif value.strip():
                if name not in declared:
                    valid = ", ".join(declared) or "none"
                    self.add_error(
                        SECRET_PREFIX + name,
                        f"{name} is not a secret of type {type_name!r} (its secrets: {valid})",
                    )
                else:
                    secrets[name] = value
        self.instance.secrets = secrets  # not a form field: construct_instance leaves it alone
        return cleaned


def settings_help(integration_type: IntegrationType) -> str:
    """The settings box's help: the type's own words and example (its ``AdminHints``)."""
    hints = integration_type.admin
    parts = ["YAML or JSON, checked against the type's settings schema."]
    if hints.help_text:
        parts.append(hints.help_text)
    if hints.example_settings:
        parts.append("Example: " + json.dumps(hints.example_settings, ensure_ascii=False))
    return " ".join(parts)


def _blank_first(choices: Callable[[], list[tuple[str, str]]]) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [("", "---------"), *choices()]


def integration_form_for(
    secret_names: Iterable[str], used_by: Mapping[str, list[str]] | None = None
) -> type[IntegrationForm]:
    """An :class:`IntegrationForm` with a password box and a clear box for each secret name."""
    names = tuple(secret_names)
    attrs: dict[str, Any] = {"secret_names": names}
    for name in names:
        field = secret_input(name)
        if used_by:
            field.help_text = f"Used by: {', '.join(used_by[name])}."
        attrs[SECRET_PREFIX + name] = field
        attrs[SECRET_PREFIX + name + CLEAR_SUFFIX] = clear_checkbox(name)
    return type("IntegrationForm", (IntegrationForm,), attrs)


class PlatformConfigForm(StrayErrorsMixin, forms.ModelForm[PlatformConfig]):
    """A platform inline; ``platform_names`` (set per integration type) turns the name into a choice."""

    platform_names: ClassVar[tuple[str, ...]] = ()

    class Meta:
        model = PlatformConfig
        fields = ["name", "enabled", "mode", "options", "classifications", "automations"]
        field_classes = {
            "options": StructuredTextField,
            "classifications": StructuredTextField,
            "automations": StructuredTextField,
        }
        help_texts = {
            "options": "YAML or JSON mapping: limit, window, …",
            "classifications": "YAML or JSON. Empty: the type's defaults. A set here replaces them.",
            "automations": "YAML or JSON list of {when, then} rules; wrap an action in !yolo (YAML) "
            'or {"yolo": action} (JSON) to let it run on an LLM decision.',
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.platform_names:
            names = list(self.platform_names)
            if self.instance.name and self.instance.name not in names:
                names.append(self.instance.name)  # so the model's clean can say why it is invalid
            self.fields["name"] = forms.ChoiceField(choices=[("", "---------"), *((n, n) for n in names)])


def platform_form_for(platform_names: Iterable[str]) -> type[PlatformConfigForm]:
    return type("PlatformConfigForm", (PlatformConfigForm,), {"platform_names": tuple(platform_names)})


class ApiTokenAddForm(forms.ModelForm[ApiToken]):
    """Creating a token asks for its name and whether it is read-only; the value is shown once.

    The token acts for the person creating it, with their permissions (never more).
    """

    class Meta:
        model = ApiToken
        fields = ["name", "read_only"]
