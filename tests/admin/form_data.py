"""POST bodies for the admin's change forms (integration with its platform inline, LLM profile), as a
browser sends them."""

from __future__ import annotations

from typing import Any

from orchestrator.admin.yaml_text import text_dump
from orchestrator.models import Integration, LLMProfile, PlatformConfig

PREFIX = "platforms"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else text_dump(value)


def platform_row(platform: PlatformConfig | None = None, **overrides: Any) -> dict[str, Any]:
    """One inline row: an existing platform as stored (with its id) or a new one, then *overrides*."""
    row: dict[str, Any] = {
        "name": "items",
        "enabled": True,
        "mode": "live",
        "options": "",
        "classifications": "",
        "automations": "",
    }
    if platform is not None:
        row |= {
            "id": platform.pk,
            "integration": platform.integration_id,
            "name": platform.name,
            "enabled": platform.enabled,
            "mode": platform.mode,
            "options": platform.options or "",
            "classifications": platform.classifications or "",
            "automations": platform.automations or "",
        }
    return row | overrides


def integration_data(
    integration: Integration | None = None, rows: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    """The whole form: the integration's fields (``False`` unticks a box) and its platform rows.

    For an existing integration the stored values and platforms are sent back unless overridden.
    """
    data: dict[str, Any] = {"type": "dummy", "name": "one", "enabled": True, "llm": ""}
    data |= {"schedule_every": "", "schedule_cron": "", "settings": ""}
    if integration is not None:
        data |= {
            "enabled": integration.enabled,
            "llm": integration.llm_id or "",
            "schedule_every": integration.schedule_every,
            "schedule_cron": integration.schedule_cron,
            "settings": integration.settings or "",
        }
    data |= fields
    if rows is None:
        rows = (
            [platform_row(p) for p in integration.platforms.order_by("pk")]
            if integration
            else [platform_row()]
        )
    initial = sum(1 for row in rows if "id" in row)
    body: dict[str, Any] = {
        f"{PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{PREFIX}-INITIAL_FORMS": str(initial),
        f"{PREFIX}-MIN_NUM_FORMS": "0",
        f"{PREFIX}-MAX_NUM_FORMS": "1000",
    }
    for key, value in data.items():
        _put(body, key, value)
    for index, row in enumerate(rows):
        for key, value in row.items():
            _put(body, f"{PREFIX}-{index}-{key}", value)
    return body


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is True:
        body[key] = "on"
    elif value is False or value is None:
        return  # an unticked checkbox is absent from the POST
    elif isinstance(value, (dict, list)):
        body[key] = _text(value)
    else:
        body[key] = str(value)


def llm_profile_data(profile: LLMProfile, **changes: str) -> dict[str, str]:
    """The LLM profile form as stored (the write-only token box left blank), then *changes*."""
    data = {
        "name": profile.name,
        "backend": profile.backend,
        "base_url": profile.base_url,
        "model": profile.model,
        "token": "",
        "parameters": "",
        "structured_output": profile.structured_output,
        "timeout_s": str(profile.timeout_s),
        "max_concurrency": str(profile.max_concurrency),
    }
    return data | changes
