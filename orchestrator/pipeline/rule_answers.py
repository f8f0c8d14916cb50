"""Questions a deterministic feature of the item answers outright, before any model is asked.

The email snapshot already knows things no model needs to guess: a ``noreply`` sender, an
``Auto-Submitted``/``Precedence: bulk`` header, a one-click ``List-Unsubscribe`` (bulk mail), a
known CI sender, a sender address that only sends notifications (``billing@``, ``receipts@``), an
invitation awaiting my answer; for GitHub, the changed files, the diff's size and the labels
(:mod:`.github_rules`). For the well-known classification names (:data:`KNOWN_QUESTIONS`:
the demo's and the email defaults') such a feature decides the answer;
the model is asked only the rest, and the audit log says which of the two answered.

Only features that are unambiguous are used: a calendar part decides only whether an answer is
wanted (an RSVP; not who wrote it: people send invitations), and an authentication verdict decides
nothing here (a missing trusted Authentication-Results header reads as a failure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.base import ClassificationSpec
from orchestrator.pipeline import github_rules

# Senders whose mail is a machine's report about a build: local parts and display-name marks.
_CI_LOCAL = re.compile(r"^(builds?|ci|jenkins|buildbot|deploy|coverage|gitlab-ci|travis)$", re.IGNORECASE)
_CI_NAME = re.compile(r"\[bot\]|^(ci|jenkins|buildkite|deploy bot)$", re.IGNORECASE)
# Local parts of addresses that send receipts, invoices, orders and notifications: a system writes
# from them, not a person (people answer from ``support@``/``help@``/``info@``, which are not here).
_NOTIFICATION_LOCAL = re.compile(
    r"^(?:notifications?|notify|alerts?|billing|invoices?|receipts?|orders?|bestellung(?:en)?|commandes?"
    r"|pedidos?|ordini|rechnung(?:en)?|factures?|facturas?|appointments?|reminders?|notices?|updates?"
    r"|newsletters?|news|marketing|offers|promotions?|deals|mailer|automated|system)(?:[-_.+].*)?$",
    re.IGNORECASE,
)
_PASSED = re.compile(r"\b(passed|succeeded|success|fixed|deployed)\b", re.IGNORECASE)


@dataclass(frozen=True)
class RuleAnswer:
    value: Any
    rule: str  # why, for the audit log: "noreply sender"


def _is_ci(snapshot: Mapping[str, Any]) -> bool:
    address = str(snapshot.get("from_address") or "")
    local = address.split("@", 1)[0]
    return bool(_CI_LOCAL.match(local) or _CI_NAME.search(str(snapshot.get("from_name") or "")))


def is_notification_sender(snapshot: Mapping[str, Any]) -> bool:
    """The sender's local part names a system's mailbox (``billing@``, ``notifications+x@``)."""
    local = str(snapshot.get("from_address") or "").split("@", 1)[0]
    return bool(_NOTIFICATION_LOCAL.match(local))


def _automated(snapshot: Mapping[str, Any]) -> str | None:
    """Why the item is machine-sent bulk or notification mail, or None."""
    if snapshot.get("is_noreply"):
        return "noreply sender"
    if snapshot.get("is_auto_submitted"):
        return "Auto-Submitted or Precedence: bulk header"
    if snapshot.get("is_unsubscribable"):
        return "one-click List-Unsubscribe (bulk mail)"
    if _is_ci(snapshot):
        return "known CI sender"
    if is_notification_sender(snapshot):
        return "notification sender address"
    return None


def _not(value_type: str) -> Any:
    return 0.0 if value_type == "confidence" else False


def _human(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> RuleAnswer | None:
    why = _automated(snapshot)
    if why:
        return RuleAnswer(_not(spec.type), why)
    if snapshot.get("is_reply") and snapshot.get("in_reply_to"):
        # Machines start threads; a reply that names its parent message is a person answering.
        return RuleAnswer(1.0 if spec.type == "confidence" else True, "a reply in a thread")
    return None


def _invitation_awaits_me(snapshot: Mapping[str, Any]) -> bool:
    """An iMIP invitation (``METHOD:REQUEST``) whose attendee line for me still says NEEDS-ACTION."""
    event = snapshot.get("calendar") or {}
    return event.get("method") == "REQUEST" and event.get("partstat") == "NEEDS-ACTION"


def _requires_response(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> RuleAnswer | None:
    why = _automated(snapshot)
    if why:
        return RuleAnswer(_not(spec.type), why)
    if _invitation_awaits_me(snapshot):  # the calendar part itself asks for an RSVP
        return RuleAnswer(1.0 if spec.type == "confidence" else True, "invitation awaiting my answer")
    method = (snapshot.get("calendar") or {}).get("method")
    if method in {"CANCEL", "REPLY"}:  # a cancellation, or someone's answer to my invitation
        return RuleAnswer(_not(spec.type), f"calendar {method.lower()}")
    return None


def _priority(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> RuleAnswer | None:
    if "low" not in spec.values:
        return None
    if snapshot.get("is_unsubscribable"):
        return RuleAnswer("low", "one-click List-Unsubscribe (bulk mail)")
    if _is_ci(snapshot) and _PASSED.search(str(snapshot.get("subject") or "")):
        return RuleAnswer("low", "known CI sender reporting success")
    if "medium" in spec.values and not _automated(snapshot) and _invitation_awaits_me(snapshot):
        return RuleAnswer("medium", "invitation awaiting my answer")
    return None


def _agreement_update(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> RuleAnswer | None:
    # Terms and privacy notices are bulk mail; a message from a person's own address is not one.
    bulk = snapshot.get("is_noreply") or snapshot.get("is_unsubscribable") or snapshot.get("list_id")
    if bulk or snapshot.get("is_unsubscribable") is None:
        return None
    return RuleAnswer(_not(spec.type), "personal sender, not bulk mail")


def _github(decide: Any) -> Any:
    """A :mod:`.github_rules` rule as a :data:`KNOWN_QUESTIONS` entry."""

    def rule(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> RuleAnswer | None:
        found = decide(spec, snapshot)
        return RuleAnswer(*found) if found is not None else None

    return rule


KNOWN_QUESTIONS = {
    "human": _human,
    "requires_response": _requires_response,
    "priority": _priority,
    "user_agreement_update": _agreement_update,
    # The GitHub platforms' defaults: they answer only from a pull request's or issue's fields.
    "documentation_only": _github(github_rules.documentation_only),
    "complexity": _github(github_rules.complexity),
    "urgency": _github(github_rules.urgency),
}


def rule_answers(
    classifications: Mapping[str, ClassificationSpec], snapshot: Mapping[str, Any]
) -> dict[str, RuleAnswer]:
    """The answers deterministic features decide, by classification name (the rest: ask the model)."""
    found: dict[str, RuleAnswer] = {}
    for name, spec in classifications.items():
        decide = KNOWN_QUESTIONS.get(name)
        if decide is None or spec.type not in {"confidence", "boolean", "enum"}:
            continue
        if spec.type == "enum" and name != "priority":
            continue
        result = decide(spec, snapshot)
        if result is not None:
            found[name] = result
    return found
