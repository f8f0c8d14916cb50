"""Shadow automations in the ledger: their would-be actions, their agreement, their promotion.

A ``mode: shadow`` automation is evaluated like any other; the act stage hands its actions to
:func:`shadow_record`, which writes a ``shadow`` ledger row saying what the runtime gate would
have decided — and never runs anything. Shadow rows have their own ledger keys, so they never
make the live action look done: once :func:`shadow_promote` turns the automation live, its next
run acts normally (docs/SAFETY.md "Shadow mode").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from orchestrator.actions.gate import ActionResult, Outcome
from orchestrator.actions.intents import ActionIntent
from orchestrator.audit import audit
from orchestrator.models import ActionRecord, PlatformConfig, Task
from orchestrator.refusals import Refusal
from orchestrator.rules.automations import MODE_LIVE, is_shadow, rule_digest, rule_label
from orchestrator.rules.safety import Decision, runtime_decision
from orchestrator.rules.shadow import Agreement, ShadowRow, agreement

WOULD = {
    Decision.ALLOW: "shadow: would have run",
    Decision.ALLOW_WITH_WARNING: "shadow: would have run (with a safety warning)",
    Decision.ASK: "shadow: would have waited for approval",
    Decision.BLOCK: "shadow: would have been blocked by the safety gate",
}


def shadow_key(intent: ActionIntent) -> str:
    """A key of its own: a shadow row never counts as the live action having run."""
    return hashlib.sha256(f"shadow:{intent.key()}".encode()).hexdigest()


def shadow_record(intent: ActionIntent, *, task: Task | None) -> ActionResult:
    """Record what *intent* would have done (once per item and rule definition); run nothing."""
    decision = runtime_decision(intent.gate_view, intent.provenance, intent.tier)
    record, created = ActionRecord.objects.get_or_create(
        ledger_key=shadow_key(intent),
        defaults={
            "item": intent.item,
            "integration_id": intent.integration_id,
            "rule": intent.rule,
            "rule_key": intent.rule_key,
            "action": intent.action,
            "parameters": intent.parameters,
            "provenance": intent.provenance,
            "yolo": intent.yolo,
            "tier": intent.tier.value,
            "status": ActionRecord.Status.SHADOW,
            "summary": WOULD[decision],
            "error": intent.error or "",
            "task": task,
        },
    )
    return ActionResult(Outcome.SHADOW if created else Outcome.SKIPPED, record.pk)


@dataclass(frozen=True)
class ShadowAutomation:
    """One automation now in shadow mode, with its figures so far."""

    config: PlatformConfig
    index: int
    name: str
    rule_key: str
    figures: Agreement

    @property
    def label(self) -> str:
        return rule_label(self.index, self.name)

    @property
    def integration_id(self) -> str:
        return self.config.integration.integration_id

    @property
    def platform(self) -> str:
        return self.config.name


def _rows(config: PlatformConfig, key: str) -> list[ShadowRow]:
    records = ActionRecord.objects.filter(
        status=ActionRecord.Status.SHADOW,
        integration_id=config.integration.integration_id,
        rule_key=key,
        item__platform=config.name,
    ).values_list("item_id", "action", "parameters", "observed")
    return [
        ShadowRow(item, action, (params or {}).get("argument"), observed)
        for item, action, params, observed in records
    ]


def _figures(config: PlatformConfig, index: int, rule: Any) -> ShadowAutomation:
    key = rule_digest(rule)
    name = rule.get("name") if isinstance(rule.get("name"), str) else ""
    return ShadowAutomation(config, index, name or "", key, agreement(_rows(config, key)))


def shadow_automations() -> list[ShadowAutomation]:
    """Every automation in shadow mode (its own or its platform's), with its agreement figures."""
    found = []
    for config in PlatformConfig.objects.select_related("integration").order_by("integration", "name"):
        automations = config.automations if isinstance(config.automations, list) else []
        for index, rule in enumerate(automations):
            if isinstance(rule, dict) and is_shadow(rule, platform_shadow=config.mode == "shadow"):
                found.append(_figures(config, index, rule))
    return found


class PromotionError(Refusal):
    """Promotion refused: not a shadow automation (404/409), or gate 1 refuses it live (400)."""


def shadow_promote(*, config_id: int, index: int, user: Any) -> ShadowAutomation:
    """Turn shadow automation *index* of platform *config_id* live, through the save-time checks
    (gate 1 included) like any edit; the audit log records who did it and the figures it had."""
    with transaction.atomic():
        config = PlatformConfig.objects.select_for_update().select_related("integration").filter(pk=config_id)
        found = config.first()
        if found is None:
            raise PromotionError(404, f"Platform configuration {config_id} does not exist")
        automations = list(found.automations) if isinstance(found.automations, list) else []
        rule = automations[index] if 0 <= index < len(automations) else None
        platform_shadow = found.mode == "shadow"
        if not isinstance(rule, dict) or not is_shadow(rule, platform_shadow=platform_shadow):
            raise PromotionError(
                409, f"{found}: {rule_label(index)} is not in shadow mode (already promoted or edited?)"
            )
        before = _figures(found, index, rule)
        live = {key: value for key, value in rule.items() if key != "mode"}
        # In a shadow platform the rule says it acts anyway; elsewhere live is the default.
        automations[index] = {**live, "mode": MODE_LIVE} if platform_shadow else live
        found.automations = automations
        _save_live(found, f"{before.label} on {found}")
        _audit_promotion(user, f"{before.label} on {found}", found, [before])
    return before


def shadow_promote_platform(*, config_id: int, user: Any) -> list[ShadowAutomation]:
    """Turn a ``mode: shadow`` platform live: every automation without its own mode then acts."""
    with transaction.atomic():
        found = (
            PlatformConfig.objects.select_for_update()
            .select_related("integration")
            .filter(pk=config_id)
            .first()
        )
        if found is None:
            raise PromotionError(404, f"Platform configuration {config_id} does not exist")
        if found.mode != "shadow":
            raise PromotionError(409, f"{found} is not in shadow mode (already promoted?)")
        before = [s for s in shadow_automations() if s.config.pk == found.pk]
        found.mode = MODE_LIVE
        _save_live(found, f"platform {found}")
        _audit_promotion(user, f"platform {found}", found, before)
    return before


def _save_live(config: PlatformConfig, subject: str) -> None:
    """Save through the same checks as any edit (gate 1 included), or refuse naming why."""
    try:
        config.full_clean()
    except ValidationError as exc:
        problems = "; ".join(exc.messages)
        raise PromotionError(400, f"{subject} cannot go live: {problems}. It stays in shadow mode.") from None
    config.save()


def _audit_promotion(
    user: Any, subject: str, config: PlatformConfig, figures: list[ShadowAutomation]
) -> None:
    who = getattr(user, "get_username", lambda: "")() or "local user"
    described = "; ".join(f"{s.label}: {s.figures.describe()}" for s in figures) or "no shadow rows"
    audit(
        f"{who} promoted {subject} from shadow to live; its shadow figures: {described}",
        integration_id=config.integration.integration_id,
        provenance="human",
    )
