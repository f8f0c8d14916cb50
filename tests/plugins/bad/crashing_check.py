"""A plugin whose doctor check raises (reported as a failed check naming the plugin)."""

from __future__ import annotations

from integrations.base import CheckResult, DoctorCheck, IntegrationContext, IntegrationType


def explode(ctx: IntegrationContext) -> CheckResult:
    raise RuntimeError("the check itself is broken")


INTEGRATION_TYPE = IntegrationType(type="crashy", checks=(DoctorCheck("boom", explode),))
