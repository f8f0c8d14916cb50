"""Admitting an action: the ledger first, then the runtime safety gate (gate 2 in docs/SAFETY.md).

Every runner — the act stage, the ``script.run`` and ``service.*`` handlers — calls
:func:`intent_admit` right before an effect, whatever path its task took to get there. It records
``blocked`` or ``pending_approval`` itself (with the audit entries and the Approval row — this
module creates approvals; :mod:`orchestrator.actions.approvals` answers them) and
answers whether the runner may go on: :attr:`Outcome.RUN` for a fresh start, or
:attr:`Outcome.INTERRUPTED` when a worker died while the action was ``started``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils import timezone

from integrations.base import Tier
from orchestrator.actions.intents import ActionIntent
from orchestrator.actions.ledger import Begin, ledger_begin, ledger_mark
from orchestrator.audit import action_audit
from orchestrator.models import ActionRecord, Approval, Task
from orchestrator.models.approvals import APPROVAL_TTL
from orchestrator.rules.actions import ActionKind
from orchestrator.rules.provenance import Provenance
from orchestrator.rules.safety import Decision, runtime_decision
from orchestrator.running.runs import run_count


class Outcome(enum.StrEnum):
    RUN = "run"
    INTERRUPTED = "interrupted"
    DONE = "done"
    SKIPPED = "skipped"  # already done, awaiting approval, blocked before, or running elsewhere
    BLOCKED = "blocked"
    ASKED = "pending_approval"
    FAILED = "failed"
    QUEUED = "queued"  # a script or service task was queued to run it
    SHADOW = "shadow"  # a shadow automation's action, recorded and never run


COUNTERS = {
    Outcome.DONE: "actions_done",
    Outcome.BLOCKED: "actions_blocked",
    Outcome.ASKED: "actions_blocked",  # not executed: waiting for a person
    Outcome.FAILED: "actions_failed",
}


class ActionRefused(Exception):
    """The task cannot run this action at all (bad approval, unknown script); never retried."""

    permanent = True


@dataclass(frozen=True)
class ActionResult:
    """What became of one action in a batch; ``retry`` marks a transient failure worth retrying."""

    outcome: Outcome
    action_id: int | None = None
    retry: bool = False


@dataclass(frozen=True)
class Admission:
    outcome: Outcome
    record: ActionRecord
    decision: Decision | None = None

    @property
    def may_run(self) -> bool:
        return self.outcome in (Outcome.RUN, Outcome.INTERRUPTED)


def outcome_count(run_id: int | None, outcome: Outcome) -> None:
    counter = COUNTERS.get(outcome)
    if counter:
        run_count(run_id, **{counter: 1})


def approved_key(intent: ActionIntent) -> str | None:
    """For an action run on a person's approval: the ledger key it was approved under.

    Refuses an intent naming an approval that is not (or no longer) ``approved``.
    """
    if intent.approval_id is None:
        return None
    approval = Approval.objects.filter(pk=intent.approval_id).select_related("action_record").first()
    if approval is None or approval.status != Approval.Status.APPROVED:
        state = approval.status if approval else "missing"
        raise ActionRefused(f"approval {intent.approval_id} is {state}, not approved")
    return approval.action_record.ledger_key if approval.action_record else intent.key()


def intent_admit(intent: ActionIntent, *, tier: Tier, task: Task | None) -> Admission:
    """Record the action as ``started`` if it may run now; otherwise record why it may not."""
    key = approved_key(intent)
    approved = key is not None
    slot = ledger_begin(intent, tier=tier, task=task, key=key, approved=approved)
    if slot.begin is Begin.SKIP:
        return Admission(Outcome.SKIPPED, slot.record)
    provenance = Provenance.HUMAN.value if approved else intent.provenance
    decision = runtime_decision(intent.gate_view, provenance, tier)
    if decision is Decision.BLOCK:
        _block(intent, slot.record, tier)
        return Admission(Outcome.BLOCKED, slot.record, decision)
    if decision is Decision.ASK:
        ledger_mark(slot.record, ActionRecord.Status.PENDING_APPROVAL, summary="waiting for approval")
        _ask(intent, slot.record)
        return Admission(Outcome.ASKED, slot.record, decision)
    if intent.yolo or decision is Decision.ALLOW_WITH_WARNING:
        _warn(intent, tier)  # every !yolo firing is audited, whatever the tier
    outcome = Outcome.INTERRUPTED if slot.begin is Begin.INTERRUPTED else Outcome.RUN
    return Admission(outcome, slot.record, decision)


AUTOMATION_OPTIONS = [{"id": "approve", "label": "Approve"}, {"id": "reject", "label": "Reject"}]


def _ask(intent: ActionIntent, record: ActionRecord) -> Approval:
    """A pending approval for an automation's irreversible action (its record is already pending)."""
    description = f"{intent.describe()} on {intent.where()} ({intent.rule}, {intent.provenance} provenance)"
    if intent.taint:  # say which parameter the person is really approving
        description += f"; {'; '.join(intent.taint)}"
    approval = Approval.objects.create(
        source=Approval.Source.AUTOMATION,
        action=intent.action,
        parameters={"argument": intent.argument} if intent.kind is ActionKind.PLATFORM else intent.inputs,
        description=description,
        provenance=intent.provenance,
        integration_id=intent.integration_id,
        item=intent.item,
        rule=intent.rule,
        options=AUTOMATION_OPTIONS,
        action_record=record,
        expires_at=timezone.now() + APPROVAL_TTL,
    )
    message = f"Approval #{approval.pk} needed: {description} — approve or reject it in the dashboard"
    action_audit(approval, message)
    return approval


def _context(intent: ActionIntent) -> str:
    return f"{intent.rule}, {intent.provenance} provenance"


def _block(intent: ActionIntent, record: ActionRecord, tier: Tier) -> None:
    reason = (
        f"{tier.value} and its provenance is {intent.provenance}: it needs rule provenance, "
        "!yolo, on_blocked: ask or a person's approval"
    )
    if intent.taint:  # argument taint: name the parameter and where its value came from
        reason = (
            f"{'; '.join(intent.taint)}: it needs a literal value, !yolo, on_blocked: ask "
            "or a person's approval"
        )
    ledger_mark(record, ActionRecord.Status.BLOCKED, summary=f"blocked: {reason}")
    action_audit(
        intent, f"Blocked {intent.describe()} on {intent.where()} ({intent.rule}): {reason}", warning=True
    )


def _warn(intent: ActionIntent, tier: Tier) -> None:
    if intent.yolo:
        message = (
            f"!yolo fired: {intent.describe()} on {intent.where()} ({_context(intent)}), "
            f"{tier.value}, runs without the safety gate"
        )
    else:
        message = (
            f"Safety warning: {intent.describe()} on {intent.where()} is {tier.value} "
            f"and runs on LLM-derived conditions ({_context(intent)})"
        )
    action_audit(intent, message, warning=True)
