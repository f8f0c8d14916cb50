"""``/ui/shadow/``: shadow automations with their agreement, calibration, and the Promote button.

Promotion (POST, CSRF-checked) needs a superuser, like the admin where automations are edited:
it turns a rule that only watched into one that acts (docs/UI.md, docs/SAFETY.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from orchestrator.actions.corrections import calibration_report
from orchestrator.actions.shadow import (
    PromotionError,
    ShadowAutomation,
    shadow_automations,
    shadow_promote,
    shadow_promote_platform,
)
from orchestrator.models import PlatformConfig
from orchestrator.rules.calibration import BUCKETS
from orchestrator.security.permissions import PermissionRefused, require_superuser
from orchestrator.ui.access import ui_view
from orchestrator.ui.operations import Flash, goes_back
from orchestrator.ui.views import show

BUCKET_LABELS = [f"{i / BUCKETS:.1f}" for i in range(BUCKETS)]


@ui_view(permission="view_activity")
def shadow_page(request: HttpRequest) -> HttpResponse:
    calibration = [
        (found, list(zip(BUCKET_LABELS, found.kept, found.corrected, strict=True)))
        for found in calibration_report()
    ]
    platforms = PlatformConfig.objects.filter(mode="shadow").select_related("integration")
    return show(
        request, "shadow", automations=shadow_automations(), platforms=platforms, calibration=calibration
    )


@ui_view(permission="view_activity", post=True)
@goes_back("/ui/shadow/")
def shadow_promote_view(request: HttpRequest, config_id: int, index: int) -> None:
    try:
        require_superuser(request.user, "Promoting a shadow automation")
        promoted = shadow_promote(config_id=config_id, index=index, user=request.user)
    except (PermissionRefused, PromotionError) as exc:
        raise Flash(exc.detail) from None
    messages.success(
        request,
        f"Promoted {promoted.label} on {promoted.config}: it acts from the next run "
        f"(shadow figures: {promoted.figures.describe()}).",
    )


@ui_view(permission="view_activity", post=True)
@goes_back("/ui/shadow/")
def shadow_promote_platform_view(request: HttpRequest, config_id: int) -> None:
    try:
        require_superuser(request.user, "Promoting a shadow platform")
        promoted: list[ShadowAutomation] = shadow_promote_platform(config_id=config_id, user=request.user)
    except (PermissionRefused, PromotionError) as exc:
        raise Flash(exc.detail) from None
    messages.success(
        request, f"Promoted the platform: its {len(promoted)} shadow automation(s) act from the next run."
    )
