"""The safety gate (docs/SAFETY.md), enforced twice.

Gate 1, :func:`save_gate`, runs when automations are saved or imported: an ``llm``/``hybrid`` rule
that would fire an irreversible action without ``!yolo`` is refused unless it says
``on_blocked: ask``. Gate 2, :func:`runtime_decision`, is asked by every runner (act, script,
service) right before an effect, whatever path the task took to get there.

Both fail safe: an unknown provenance is untrusted and an unknown tier is irreversible.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.base import Tier
from orchestrator.rules.actions import ActionKind, ActionTemplate
from orchestrator.rules.automations import ON_BLOCKED_ASK, CompiledAutomation
from orchestrator.rules.provenance import Provenance

TRUSTED_PROVENANCES = frozenset({Provenance.RULE.value, Provenance.HUMAN.value})


class Decision(enum.StrEnum):
    ALLOW = "allow"
    ALLOW_WITH_WARNING = "allow_with_warning"  # run it, and audit a warning
    ASK = "ask"  # do not run; create a pending approval
    BLOCK = "block"  # do not run; record as blocked


def as_tier(tier: Any) -> Tier:
    """The tier named by *tier*; anything unrecognised is irreversible."""
    try:
        return Tier(tier)
    except (ValueError, TypeError):
        return Tier.IRREVERSIBLE


def _flag(action: Any, name: str) -> Any:
    if isinstance(action, Mapping):
        return action.get(name)
    return getattr(action, name, None)


def runtime_decision(action: Any, provenance: Any, tier: Any) -> Decision:
    """Gate 2: may this action run now?

    *action* is anything with ``yolo``, ``on_blocked`` and ``taint`` (a :class:`PlannedAction`, a
    ledger row, a task payload mapping); only ``yolo is True`` and ``on_blocked == "ask"`` count, and
    a non-empty ``taint`` (a sensitive parameter not written in the rule) makes it irreversible even
    under ``rule`` provenance. *provenance* is ``rule``/``human`` (trusted) or anything else
    (untrusted). *tier* is the action's current tier —
    for scripts and services the caller derives it from Script.reversible / ServiceSpec.reversible.
    """
    if provenance == Provenance.HUMAN.value:
        return Decision.ALLOW
    tainted = bool(_flag(action, "taint"))
    if provenance == Provenance.RULE.value and not tainted:
        return Decision.ALLOW
    # A sensitive parameter not written in the rule (argument taint) is gated like irreversible.
    effective = Tier.IRREVERSIBLE if tainted else as_tier(tier)
    if effective in (Tier.READ_ONLY, Tier.SOFT):
        return Decision.ALLOW
    if effective is Tier.HARD or _flag(action, "yolo") is True:
        return Decision.ALLOW_WITH_WARNING  # hard-reversible, or irreversible the person accepted
    if _flag(action, "on_blocked") == ON_BLOCKED_ASK:
        return Decision.ASK
    return Decision.BLOCK


@dataclass(frozen=True)
class GateReport:
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()


def describe(action: ActionTemplate) -> str:
    kind = "action" if action.kind is ActionKind.PLATFORM else action.kind.value
    return f"{kind} '{action.name}'"


def save_gate(automations: Iterable[CompiledAutomation]) -> GateReport:
    """Gate 1: refuse LLM-driven irreversible actions; warn on every ``!yolo`` and hard action."""
    errors: list[str] = []
    warnings: list[str] = []
    notices: list[str] = []
    for automation in automations:
        untrusted = automation.provenance.value not in TRUSTED_PROVENANCES
        because = f"{automation.provenance.value} provenance (LLM-derived conditions: {_keys(automation)})"
        for action in automation.actions:
            subject = f"{automation.label}: {describe(action)}"
            if action.taint and not action.yolo:
                taint_report(subject, action, automation.on_blocked, errors, notices)
                continue
            if action.yolo:
                warnings.append(
                    f"{subject} is !yolo: it runs without the safety gate or approval; "
                    "every firing is recorded in the audit log"
                )
            elif untrusted and action.tier is Tier.IRREVERSIBLE:
                if automation.on_blocked == ON_BLOCKED_ASK:
                    notices.append(
                        f"{subject} is irreversible and the automation has {because}: with "
                        "on_blocked: ask each one waits for your approval instead of running"
                    )
                else:
                    errors.append(_refusal(subject, because))
            elif untrusted and action.tier is Tier.HARD:
                warnings.append(
                    f"{subject} is hard-reversible and runs on {because}; each run is audited with a warning"
                )
    return GateReport(tuple(errors), tuple(warnings), tuple(notices))


def taint_report(
    subject: str, action: ActionTemplate, on_blocked: str | None, errors: list[str], notices: list[str]
) -> None:
    """Gate 1 for argument taint: a sensitive parameter not written in the rule."""
    because = "; ".join(parameter.describe() for parameter in action.taint)
    if on_blocked == ON_BLOCKED_ASK:
        notices.append(f"{subject}: {because}; with on_blocked: ask each one waits for your approval")
        return
    errors.append(
        f"{subject}: {because}, so whoever wrote the item or steered the LLM chooses where the effect "
        "goes. Refused. Write the value literally in the rule (one rule per destination), wrap the "
        'action in !yolo (in JSON: {"yolo": <action>}) to accept the risk, or add on_blocked: ask.'
    )


def _keys(automation: CompiledAutomation) -> str:
    return ", ".join(automation.llm_keys) or "none"


def _refusal(subject: str, because: str) -> str:
    return (
        f"{subject} is irreversible and the automation has {because}, so an LLM's answer alone would "
        "trigger it. Refused. To accept that risk wrap the action in !yolo (in JSON: "
        '{"yolo": <action>}); to approve each one yourself add on_blocked: ask to the automation.'
    )
