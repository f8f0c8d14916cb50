"""The run the process-killing fault tests interrupt: ``dummy.one`` tagging its items by a deterministic
rule (no LLM in these tests), and waiting for that run to finish once the fault has passed."""

from __future__ import annotations

from orchestrator.models import Integration, PlatformConfig


def configure_tagging(items: int) -> None:
    """``dummy.one`` with *items* items, each tagged ``seen`` by a rule that needs no classification."""
    integration = Integration.objects.create(type="dummy", name="one")
    PlatformConfig.objects.create(
        integration=integration,
        name="items",
        options={"count": items},
        classifications={},
        automations=[{"when": {"n": "> 0"}, "then": {"tag": "seen"}}],
    )
