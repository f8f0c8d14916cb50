"""What a run says while its classifications wait for an unreachable LLM, and when they resume.

The first classification of a run refused by the profile's circuit breaker
(:mod:`orchestrator.llm.breaker`) writes the breaker's message into ``Run.error`` and one audit
line; the first one of that run to succeed afterwards clears it and audits the recovery. Both are
conditional updates, so several workers noticing at once write one line each way.
"""

from __future__ import annotations

from orchestrator.audit import audit
from orchestrator.models import AuditEntry, Run
from orchestrator.pipeline.context import StageContext

WAITING_PREFIX = "Classification waits: "


def run_outage_noted(ctx: StageContext, run_id: int | None, message: str) -> None:
    """Say on the run (once) that its classifications wait for the LLM."""
    if run_id is None:
        return
    text = WAITING_PREFIX + message
    if Run.objects.filter(pk=run_id, error="").update(error=text):
        audit(
            f"{text} (run #{run_id} of {ctx.integration_id}/{ctx.platform})",
            level=AuditEntry.Level.WARNING,
            integration_id=ctx.integration_id,
            provenance="llm",
        )


def run_outage_over(ctx: StageContext, run_id: int | None, profile: str) -> None:
    """The LLM answered again for a run that was waiting on it: clear its error, audit it once."""
    if run_id is None:
        return
    if Run.objects.filter(pk=run_id, error__startswith=WAITING_PREFIX).update(error=""):
        audit(
            f"LLM profile '{profile}' answers again: the waiting classifications of run #{run_id} "
            f"of {ctx.integration_id}/{ctx.platform} resume",
            integration_id=ctx.integration_id,
            provenance="llm",
        )
