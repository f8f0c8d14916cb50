"""What the admin says beside a save: the rules engine's warnings (every ``!yolo``) and notices, and
LLM profiles that send data off this machine."""

from __future__ import annotations

from orchestrator.models import Integration, LLMProfile, PlatformConfig


def automation_messages(integration: Integration) -> tuple[list[str], list[str]]:
    """``(warnings, notices)`` for the integration's stored automations, each naming its platform.

    Warnings cover every ``!yolo`` action and hard-reversible actions on LLM decisions; notices cover
    ``on_blocked: ask`` automations (docs/SAFETY.md).
    """
    warnings: list[str] = []
    notices: list[str] = []
    for platform in PlatformConfig.objects.filter(integration_id=integration.pk).order_by("name"):
        if not platform.automations:
            continue
        report = platform.automation_report()
        where = f"In {integration.integration_id}/{platform.name}, "
        warnings.extend(where + message for message in report.warnings)
        notices.extend(where + message for message in report.notices)
    return warnings, notices


def off_machine_warning(profile: LLMProfile) -> str | None:
    if not profile.sends_data_off_machine:
        return None
    return (
        f"LLM profile '{profile.name}' sends prompts (your item contents) to {profile.base_url}: "
        "data leaves this machine."
    )
