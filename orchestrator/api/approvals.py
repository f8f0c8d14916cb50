"""``/api/approvals``: pending actions a person approves or rejects (docs/API.md, docs/SAFETY.md).

Approvals from ``on_blocked: ask`` automations and from chat proposals share this model. Expiry
is checked on every access, recorded and audited.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from orchestrator.actions.approvals import approval_decide, approval_fail, approvals_expire_due
from orchestrator.api.errors import BODY, BodyIn, Text, found_or_404, responses
from orchestrator.api.timestamps import iso
from orchestrator.models import Approval
from orchestrator.security.permissions import api_permission, require_approval_answer

router = Router(tags=["approvals"])


class ApprovalOut(Schema):
    id: int
    action: str
    parameters: Any
    provenance: str
    item: str | None
    rule: str
    options: list[dict[str, str]]
    status: str
    created_at: str
    expires_at: str


class ApprovalListOut(Schema):
    approvals: list[ApprovalOut]


ApprovalStatus = Literal["pending", "approved", "rejected", "expired", "failed"]


class DecisionIn(BodyIn):
    option: Text


class DecisionOut(Schema):
    status: str
    task_id: str | None = None


def approval_out(approval: Approval) -> dict[str, Any]:
    return {
        "id": approval.pk,
        "action": approval.action,
        "parameters": approval.parameters,
        "provenance": approval.provenance,
        "item": approval.item.key if approval.item else None,
        "rule": approval.rule,
        "options": approval.options,
        "status": approval.status,
        "created_at": iso(approval.created_at),
        "expires_at": iso(approval.expires_at),
    }


@router.get("", response=responses(ApprovalListOut, 422), summary="List approvals")
@api_permission("view_activity")
def approval_list(request: HttpRequest, status: ApprovalStatus | None = None) -> dict[str, Any]:
    approvals_expire_due()
    found = Approval.objects.select_related("item").order_by("-id")
    if status is not None:
        found = found.filter(status=status)
    return {"approvals": [approval_out(a) for a in found]}


@router.post(
    "/{id:approval_id}",
    response=responses(DecisionOut, 400, 404, 409, *BODY),
    exclude_none=True,
    summary="Approve or reject",
)
@api_permission("answer_approval")
def approval_answer(request: HttpRequest, approval_id: int, body: DecisionIn) -> dict[str, Any]:
    approval = found_or_404(Approval.objects.filter(pk=approval_id), f"Approval '{approval_id}'")
    require_approval_answer(request.user, action=approval.action, option=body.option)
    try:
        decision = approval_decide(approval=approval, option=body.option)  # ApprovalError: its status
    except ValueError as exc:  # the service or script changed since the approval was asked for
        approval_fail(approval=approval, error=str(exc))
        raise HttpError(409, f"Approval {approval.pk} cannot run: {exc}") from None
    return {"status": decision.status, "task_id": decision.task.uid if decision.task else None}
