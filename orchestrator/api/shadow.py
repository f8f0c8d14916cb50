"""``GET /api/shadow``: shadow automations with their agreement figures, and calibration (docs/API.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from orchestrator.actions.corrections import calibration_report
from orchestrator.actions.shadow import ShadowAutomation, shadow_automations
from orchestrator.api.errors import responses
from orchestrator.rules.calibration import Calibration
from orchestrator.security.permissions import api_permission

router = Router(tags=["shadow"])


class ShadowAutomationOut(Schema):
    integration: str
    platform: str
    config_id: int
    index: int
    rule: str
    rule_key: str
    items: int
    actions: int
    agree: int
    disagree: int
    unknown: int
    agreement: float | None


class SuggestionOut(Schema):
    operator: str
    threshold: float
    avoided: int
    corrected: int
    kept: int
    kept_total: int
    text: str


class CalibrationOut(Schema):
    classification: str
    kept: list[int]
    corrected: list[int]
    suggestion: SuggestionOut | None


class ShadowOut(Schema):
    automations: list[ShadowAutomationOut]
    calibration: list[CalibrationOut]


def automation_out(found: ShadowAutomation) -> dict[str, Any]:
    figures = found.figures
    return {
        "integration": found.integration_id,
        "platform": found.platform,
        "config_id": found.config.pk,
        "index": found.index,
        "rule": found.label,
        "rule_key": found.rule_key,
        "items": figures.items,
        "actions": figures.actions,
        "agree": figures.agree,
        "disagree": figures.disagree,
        "unknown": figures.unknown,
        "agreement": figures.rate,
    }


def calibration_out(found: Calibration) -> dict[str, Any]:
    suggestion = found.suggestion
    return {
        "classification": found.classification,
        "kept": list(found.kept),
        "corrected": list(found.corrected),
        "suggestion": None
        if suggestion is None
        else {
            "operator": suggestion.operator,
            "threshold": suggestion.threshold,
            "avoided": suggestion.avoided,
            "corrected": suggestion.corrected,
            "kept": suggestion.kept,
            "kept_total": suggestion.kept_total,
            "text": suggestion.describe(),
        },
    }


@router.get("", response=responses(ShadowOut), summary="Shadow automations, their agreement, calibration")
@api_permission("view_activity")
def shadow_list(request: HttpRequest) -> dict[str, Any]:
    return {
        "automations": [automation_out(found) for found in shadow_automations()],
        "calibration": [calibration_out(found) for found in calibration_report()],
    }
