"""Questions a deterministic feature of the item answers outright, before any model is asked.

The email snapshot already knows things no model needs to guess: a ``noreply`` sender, a one-click
``List-Unsubscribe`` (bulk mail), a known CI sender. For the well-known classification names
(:data:`KNOWN_QUESTIONS`: the demo's and the email defaults') such a feature decides the answer;
the model is asked only the rest, and the audit log says which of the two answered.

Only features that are unambiguous are used: a calendar part or an authentication verdict does not
decide any of these questions alone (a person sends invitations; a missing trusted
Authentication-Results header reads as a failure), so they are left to the model and the rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.base import ClassificationSpec

# Senders whose mail is a machine's report about a build: local parts and display-name marks.
_CI_LOCAL = re.compile(r"^(builds?|ci|jenkins|buildbot|deploy|coverage|gitlab-ci|travis)$", re.IGNORECASE)
_CI_NAME = re.compile(r"\[bot\]|^(ci|jenkins|buildkite|deploy bot)$", re.IGNORECASE)
_PASSED = re.compile(r"\b(passed|succeeded|success|fixed|deployed)\b", re.IGNORECASE)


@dataclass(frozen=True)
class RuleAnswer:
    value: Any
    rule: str  # why, for the audit log: "noreply sender"


def _is_ci(snapshot: Mapping[str, Any]) -> bool:
    address = str(snapshot.get("from_address") or "")
    local = address.split("@", 1)[0]
    return bool(_CI_LOCAL.match(local) or _CI_NAME.search(str(snapshot.get("from_name") or "")))


def _automated(snapshot: Mapping[str, Any]) -> str | None:
    """Why the item is machine-sent bulk or notification mail, or None."""
    if snapshot.get("is_noreply"):
        return "noreply sender"
    if snapshot.get("is_unsubscribable"):
        return "one-click List-Unsubscribe (bulk mail)"
    if _is_ci(snapshot):
        return "known CI sender"
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


def _requires_response(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> RuleAnswer | None:
    why = _automated(snapshot)
    return RuleAnswer(_not(spec.type), why) if why else None


def _priority(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> RuleAnswer | None:
    if "low" not in spec.values:
        return None
    if snapshot.get("is_unsubscribable"):
        return RuleAnswer("low", "one-click List-Unsubscribe (bulk mail)")
    if _is_ci(snapshot) and _PASSED.search(str(snapshot.get("subject") or "")):
        return RuleAnswer("low", "known CI sender reporting success")
    return None


def _agreement_update(spec: ClassificationSpec, snapshot: Mapping[str, Any]) -> RuleAnswer | None:
    # Terms and privacy notices are bulk mail; a message from a person's own address is not one.
    bulk = snapshot.get("is_noreply") or snapshot.get("is_unsubscribable") or snapshot.get("list_id")
    if bulk or snapshot.get("is_unsubscribable") is None:
        return None
    return RuleAnswer(_not(spec.type), "personal sender, not bulk mail")


KNOWN_QUESTIONS = {
    "human": _human,
    "requires_response": _requires_response,
    "priority": _priority,
    "user_agreement_update": _agreement_update,
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
