"""One import in progress: its report, its problems, and the one way it writes a row.

Every row goes through ``full_clean()`` — the validation the admin runs, the rules engine's safety
gate included — and is saved only when it is new or a value changed, so re-importing an unchanged
file writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from orchestrator.config_io.document import Reader, child
from orchestrator.config_io.secret_refs import SecretResolver
from orchestrator.models import LLMProfile


@dataclass
class ImportReport:
    """Objects by label (``integration dummy.one``), and notices for the person importing."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


@dataclass
class ImportRun:
    reader: Reader
    secrets: SecretResolver
    report: ImportReport
    llms: dict[str, LLMProfile] = field(default_factory=dict)  # saved by this import
    failed_llms: set[str] = field(default_factory=set)  # already reported

    def llm_profile(self, name: str | None, path: str) -> tuple[bool, LLMProfile | None]:
        """The profile an integration or the chat names: defined in this file or already stored."""
        if name is None:
            return True, None
        if name in self.llms:
            return True, self.llms[name]
        if name in self.failed_llms:
            return False, None
        profile = LLMProfile.objects.filter(name=name).first()
        if profile is not None:
            return True, profile
        defined = sorted(set(self.llms) | set(LLMProfile.objects.values_list("name", flat=True)))
        self.reader.problem(
            path, f"LLM profile {name!r} is not defined; defined profiles: {', '.join(defined) or 'none'}"
        )
        return False, None


def tracked_values(instance: models.Model) -> dict[str, Any] | None:
    """The stored values import compares (timestamps left out); ``None`` for a row not yet saved."""
    if instance._state.adding:
        return None
    return {
        f.attname: f.value_from_object(instance)
        for f in instance._meta.concrete_fields
        if not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)
    }


def fill(instance: models.Model, values: Mapping[str, Any], names: Iterable[str]) -> None:
    """Set each field in *names* from *values*, or to the field's default when the file leaves it out.

    A config entry describes its object completely: a key removed from the file resets the field.
    """
    for name in names:
        setattr(instance, name, values[name] if name in values else field_default(instance, name))


def field_default(instance: models.Model, name: str) -> Any:
    """What import stores for a key the file leaves out (export leaves out exactly these values)."""
    model_field = instance._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise TypeError(f"{name} is not a concrete field of {type(instance).__name__}")
    return model_field.get_default()


def _readable(instance: models.Model, name: str, where: str, message: str) -> str:
    """A model error as shown after its path: no repeated field name, valid choices listed."""
    message = message.replace("(top level): ", "")
    message = message.removeprefix(f"{where.rsplit('.', 1)[-1]}: ")
    if name != NON_FIELD_ERRORS and "is not a valid choice" in message:
        choices = instance._meta.get_field(name).choices or []  # type: ignore[union-attr]  # concrete field
        message += " Valid: " + ", ".join(repr(value) for value, _ in choices)
    return message


def save_validated(
    instance: models.Model,
    *,
    before: dict[str, Any] | None,
    label: str,
    path: str,
    run: ImportRun,
    field_paths: Mapping[str, str] | None = None,
) -> bool:
    """``full_clean()`` then save when new or changed since *before*; False after reporting problems.

    Each validation error is reported at the config path of its field (*field_paths* maps model
    field names to paths; others default to ``<path>.<field>``).
    """
    try:
        instance.full_clean()
    except ValidationError as exc:
        paths = dict(field_paths or {})
        for name, messages in exc.message_dict.items():
            where = paths.get(name) or (path if name == NON_FIELD_ERRORS else child(path, name))
            for message in messages:
                run.reader.problem(where, _readable(instance, name, where, message))
        return False
    if before is None:
        instance.save()
        run.report.created.append(label)
    elif tracked_values(instance) != before:
        instance.save()
        run.report.updated.append(label)
    else:
        run.report.unchanged.append(label)
    return True
