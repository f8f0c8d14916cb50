"""Replaying a rule set over an integration's stored items (``replay_rules``, the admin's "Try on
last week"). Reads items and the ledger, writes nothing: the pure work is
:func:`orchestrator.rules.replay.replay`. Only ``reclassify`` asks the LLM (and keeps its answers
in memory; the stored classifications are left as they are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from orchestrator.models import ActionRecord, Item, PlatformConfig
from orchestrator.models.config import script_reversibility, sensitive_inputs, service_reversibility
from orchestrator.pipeline.classify import classifier
from orchestrator.refusals import Refusal
from orchestrator.rules.automations import compile_automations
from orchestrator.rules.classifications import normalise_classifications, reply_schema
from orchestrator.rules.replay import ReplayReport, StoredItem, replay, signature


class ReplayError(Refusal):
    """The replay cannot start (unknown integration or platform); says what to give instead."""


@dataclass(frozen=True)
class PlatformReplay:
    platform: str
    report: ReplayReport


def _happened(item_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    rows = ActionRecord.objects.filter(item_id__in=item_ids, status=ActionRecord.Status.DONE)
    for item_id, action, params in rows.values_list("item_id", "action", "parameters"):
        params = params if isinstance(params, dict) else {}
        argument = params.get("argument", params.get("inputs") or None)
        found.setdefault(item_id, set()).add(signature(action, argument))
    return found


def _configs(integration_id: str, platform: str | None) -> list[PlatformConfig]:
    type_name, _, name = integration_id.partition(".")
    configs = PlatformConfig.objects.select_related("integration__llm").filter(
        integration__type=type_name, integration__name=name
    )
    if platform:
        configs = configs.filter(name=platform)
    found = list(configs.order_by("name"))
    if not found:
        where = f"{integration_id}/{platform}" if platform else integration_id
        raise ReplayError(404, f"No configured platform {where}; give an integration id such as email.home")
    return found


def replay_platform(
    config: PlatformConfig, *, days: float, automations: Any = None, reclassify: bool = False
) -> PlatformReplay:
    """Replay *automations* (default: the platform's own) over its items seen in the last *days*."""
    spec = config.spec()
    classifications = normalise_classifications(config.classifications, spec.default_classifications)
    compiled = compile_automations(
        config.automations if automations is None else automations,
        platform=spec,
        classifications=classifications,
        scripts=script_reversibility(),
        services=service_reversibility(),
        sensitive=sensitive_inputs(),
        platform_shadow=config.mode == "shadow",
    )
    since = timezone.now() - timedelta(days=days)
    items = list(
        Item.objects.filter(
            integration_id=config.integration.integration_id,
            platform=config.name,
            snapshot__isnull=False,
            last_seen__gte=since,
        ).order_by("pk")
    )
    happened = _happened([item.pk for item in items])
    ask = classifier() if reclassify and config.integration.llm is not None else None
    schema = reply_schema(classifications)
    stored = [
        StoredItem(
            key=item.key,
            snapshot=item.snapshot,
            classification=(
                ask(config.integration.llm, item.llm_input, schema, priority=9)
                if ask is not None
                else item.classification or {}
            ),
            happened=frozenset(happened.get(item.pk, ())),
        )
        for item in items
    ]
    report = replay(stored, compiled.automations, now=timezone.now(), errors=compiled.errors)
    return PlatformReplay(config.name, report)


def replay_integration(
    integration_id: str,
    *,
    platform: str | None = None,
    days: float = 7,
    automations: dict[str, Any] | None = None,
    reclassify: bool = False,
) -> list[PlatformReplay]:
    """Per platform of *integration_id*; *automations* maps platform names to edited rule lists."""
    return [
        replay_platform(
            config,
            days=days,
            automations=(automations or {}).get(config.name),
            reclassify=reclassify,
        )
        for config in _configs(integration_id, platform)
    ]


def report_lines(replays: list[PlatformReplay], *, limit: int = 20) -> list[str]:
    """The report in words, as the command prints it and the admin shows it."""
    lines: list[str] = []
    for found in replays:
        report = found.report
        lines.append(f"{found.platform}: {report.items} stored item(s) replayed")
        lines.extend(f"  error: {error} (this rule cannot run)" for error in report.errors)
        lines.extend(f"  warning: {warning}" for warning in report.warnings())
        for rule in report.rules:
            mode = " [shadow]" if rule.shadow else ""
            lines.append(
                f"  {rule.label}{mode}: matches {rule.matched} item(s), {len(rule.would)} action(s); "
                f"{len(rule.new)} did not happen"
            )
            lines.extend(f"    + {sig} on {key}" for key, sig in rule.new[:limit])
            if len(rule.new) > limit:
                lines.append(f"    … and {len(rule.new) - limit} more")
        if report.stopped:
            lines.append(f"  {len(report.stopped)} done action(s) this rule set would not do:")
            lines.extend(f"    - {sig} on {key}" for key, sig in report.stopped[:limit])
    return lines
