"""Save/import-time validation of a platform's automations (docs/SAFETY.md), as one report.

Used by ``PlatformConfig.clean()`` (and so the admin and ``import_config``). Pure: the caller passes
what exists — the platform declaration, the configured classifications, and the reversibility of
every script and service instance — so this module never touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.base import PlatformSpec
from orchestrator.rules.automations import compile_automations
from orchestrator.rules.classifications import normalise_classifications
from orchestrator.rules.safety import save_gate


@dataclass(frozen=True)
class ValidationReport:
    """``errors`` refuse the save; ``warnings`` and ``notices`` are shown beside a successful one."""

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def automation_errors_for(
    platform_spec: PlatformSpec | None,
    classifications: Any,
    automations: Any,
    *,
    scripts: Mapping[str, bool],
    services: Mapping[str, bool],
    sensitive: Mapping[str, frozenset[str]] | None = None,
    platform_shadow: bool = False,
) -> ValidationReport:
    """Validate automations as configured: shape, condition grammar, known classification names,
    known actions/scripts/services, template and regex syntax, then the safety gate.

    *classifications* is the configured value (``None`` = the platform's defaults). *scripts* maps
    script names and *services* service instance ids (``<type>.<integration>.<service>``) to their
    declared reversibility.
    """
    defaults = platform_spec.default_classifications if platform_spec else ()
    result = compile_automations(
        automations,
        platform=platform_spec,
        classifications=normalise_classifications(classifications, defaults),
        scripts=scripts,
        services=services,
        sensitive=sensitive,
        platform_shadow=platform_shadow,
    )
    gate = save_gate(result.automations)
    return ValidationReport(
        errors=result.errors + gate.errors,
        warnings=result.warnings + gate.warnings,
        notices=gate.notices,
    )
