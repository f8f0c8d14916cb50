"""The automation editor's "Try on last week": replay the *edited* automations of one platform
over its items of the last seven days and show the report, before anything is saved.

The button submits the whole integration change form here (with its CSRF token); this view reads
only the clicked platform's ``automations`` text, parses it as the form would, and renders the
replay report (orchestrator/actions/replay.py). It saves nothing and runs nothing.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from orchestrator.actions.replay import replay_platform, report_lines
from orchestrator.admin.yaml_text import TextParseError, text_parse
from orchestrator.models import Integration, PlatformConfig

REPLAY_DAYS = 7
BUTTON = "_replay_platform"


def try_button(config: PlatformConfig | None) -> SafeString | str:
    """The inline's button (a saved platform only: replay needs its stored items)."""
    if config is None or config.pk is None:
        return "- (save the platform first: replay needs its stored items)"
    return format_html(
        '<button type="submit" formaction="../replay/" formmethod="post" name="{}" value="{}" '
        'class="button" data-replay="{}">Try on last week</button> '
        '<span class="help">Replays the automations as edited above over the last {} days of items; '
        "saves nothing.</span>",
        BUTTON,
        config.name,
        config.name,
        REPLAY_DAYS,
    )


def _edited_text(request: HttpRequest, platform: str) -> str | None:
    """The ``automations`` text of the inline whose name is *platform*, as typed in the form."""
    for key, value in request.POST.items():
        if key.endswith("-name") and value == platform:
            return request.POST.get(key.removesuffix("-name") + "-automations")
    return None


def replay_view(
    model_admin: admin.ModelAdmin[Integration], request: HttpRequest, object_id: str
) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=object_id)
    if not model_admin.has_change_permission(request, integration):
        return HttpResponse("Trying automations needs permission to change this integration", status=403)
    platform = request.POST.get(BUTTON, "")
    config = integration.platforms.filter(name=platform).first()
    lines: list[str] = []
    error = ""
    if request.method != "POST" or config is None:
        error = f"Use the 'Try on last week' button of a saved platform (got {platform or 'none'!r})."
    else:
        text = _edited_text(request, platform)
        try:
            automations = config.automations if text is None else (text_parse(text) if text.strip() else [])
        except TextParseError as exc:
            error = f"automations: {exc}"
        else:
            lines = report_lines([replay_platform(config, days=REPLAY_DAYS, automations=automations)])
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Try on last week: {integration.integration_id}/{platform}",
        "opts": model_admin.model._meta,
        "original": integration,
        "lines": lines,
        "error": error,
    }
    return TemplateResponse(request, "admin/orchestrator/replay.html", context)
