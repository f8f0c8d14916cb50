"""Questions the item's own wording decides, before a small scoring model is asked.

The pipeline's rules (``orchestrator.pipeline.rule_answers``) decide what the snapshot's headers
say (a noreply sender, bulk mail, a CI sender). Some questions are decided by the words of the item
as the model would read them: a terms-of-service or privacy-policy update says so in its subject or
first lines, in whatever language; a message that says it was sent automatically and must not be
answered was written by no one and wants no answer. A 135M model answers these worse than a keyword
list does (it calls a newsletter a terms update), so for the well-known question names (the demo's:
:data:`KNOWN_QUESTIONS`) the scored path takes these answers as given, and says so in the audit log
(``{"by": "rule", "rule": "terms-of-service wording in the subject"}``). Only features that hold in
every language we list are used; everything else is left to the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A contract the user accepted: terms, conditions, privacy and cookie policies, user agreements.
_TERMS = re.compile(
    r"terms\s+(?:of\s+(?:service|use)|and\s+conditions)|privacy\s+(?:policy|notice|statement)"
    r"|(?:user|developer|licen[cs]e|subscriber)\s+agreement|cookie\s+(?:policy|notice)"
    r"|nutzungsbedingungen|geschäftsbedingungen|\bAGB\b|datenschutz(?:erklärung|hinweise|richtlinie|bestimmungen)"
    r"|conditions\s+(?:générales|d['’]utilisation)|politique\s+de\s+(?:confidentialité|cookies)"
    r"|términos\s+(?:y\s+condiciones|de\s+(?:uso|servicio))|política\s+de\s+(?:privacidad|cookies)"
    r"|condizioni\s+(?:d['’]uso|generali)|informativa\s+(?:sulla\s+)?privacy"
    r"|利用規約|プライバシーポリシー|隐私政策|服务条款|用户协议"
    r"|пользовательско\w*\s+соглашени\w*|политик\w*\s+конфиденциальности",
    re.IGNORECASE,
)
# "Do not reply": the sender says no person reads answers to this message.
_AUTOMATED = re.compile(
    r"(?:please\s+)?do\s+not\s+reply\s+to\s+this|this\s+(?:is\s+an?\s+)?(?:e-?mail|message)\s+(?:was|is)\s+"
    r"(?:sent\s+)?automatic|automatically\s+generated|this\s+is\s+an\s+automat(?:ic|ed)\s+(?:message|confirmation|notification|e-?mail)"
    r"|nicht\s+auf\s+diese\s+(?:e-?mail|nachricht)\s+antworten|automatisch\s+(?:erstellt|generiert|versendet)"
    r"|ne\s+(?:pas\s+)?répondez\s+pas|ne\s+pas\s+répondre|message\s+automatique"
    r"|no\s+responda\s+a\s+este|mensaje\s+automático|non\s+rispondere\s+a\s+questa",
    re.IGNORECASE,
)
LEAD_CHARS = 400  # how far into the body a notice still counts as what the message is about
# A question mark (ASCII or full-width) in the message's own text; links and quoted lines removed
# first (a tracking URL's "?utm=…", the earlier message a reply quotes).
_QUESTION = re.compile(r"[?？]")
_LINKS = re.compile(r"\S+://\S+|www\.\S+", re.IGNORECASE)


@dataclass(frozen=True)
class WordingAnswer:
    value: Any
    rule: str  # why, for the audit log


def _fields(item_text: str) -> tuple[str, str]:
    """(subject or title, body) of an item's LLM input (``Subject:``/``Title:`` … ``Body:`` lines)."""
    subject = ""
    head, _, body = item_text.partition("\nBody:\n")
    for line in head.splitlines():
        key, _, value = line.partition(": ")
        if key in {"Subject", "Title"}:
            subject = value
    return subject, body


def _no(kind: str) -> Any:
    return 0.0 if kind == "confidence" else False


def _yes(kind: str) -> Any:
    return 1.0 if kind == "confidence" else True


def _agreement_update(kind: str, subject: str, body: str) -> WordingAnswer | None:
    if _TERMS.search(subject):
        return WordingAnswer(_yes(kind), "terms or privacy wording in the subject")
    if _TERMS.search(body[:LEAD_CHARS]):
        return WordingAnswer(_yes(kind), "terms or privacy wording in the first lines")
    # A policy link in a footer is no update; a message that names no policy up front is none.
    return WordingAnswer(_no(kind), "no terms or privacy wording in the subject or first lines")


def _automated(kind: str, subject: str, body: str) -> WordingAnswer | None:
    if _AUTOMATED.search(body[: LEAD_CHARS * 4]):
        return WordingAnswer(_no(kind), "says it is automated (do not reply)")
    return None


def asks_a_question(body: str) -> bool:
    """The first lines of the body, links and quoted text left out, ask a question."""
    own = "\n".join(line for line in body[: LEAD_CHARS * 2].splitlines() if not line.lstrip().startswith(">"))
    return bool(_QUESTION.search(_LINKS.sub("", own)))


def _requires_response(kind: str, subject: str, body: str) -> WordingAnswer | None:
    automated = _automated(kind, subject, body)
    if automated is None and asks_a_question(body):
        return WordingAnswer(_yes(kind), "asks a question in its first lines")
    return automated


def _priority(values: tuple[str, ...], subject: str, body: str) -> WordingAnswer | None:
    # A question to me wants an answer this week: "medium" (a model may still see more).
    automated = _AUTOMATED.search(body[: LEAD_CHARS * 4]) is not None
    if "medium" in values and "low" in values and not automated and asks_a_question(body):
        return WordingAnswer("medium", "asks a question in its first lines")
    return None


KNOWN_QUESTIONS = {
    "user_agreement_update": _agreement_update,
    "human": _automated,
    "requires_response": _requires_response,
}


def wording_answers(schema: Mapping[str, Any], item_text: str) -> dict[str, WordingAnswer]:
    """The answers the item's wording decides, by property name of a classification *schema*."""
    subject, body = _fields(item_text)
    found: dict[str, WordingAnswer] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if name == "priority" and prop.get("enum"):
            found_priority = _priority(tuple(str(v) for v in prop["enum"]), subject, body)
            if found_priority is not None:
                found[name] = found_priority
            continue
        decide = KNOWN_QUESTIONS.get(name)
        kind = (
            "boolean"
            if prop.get("type") == "boolean"
            else "confidence"
            if prop.get("type") == "number"
            else None
        )
        if decide is None or kind is None:
            continue
        result = decide(kind, subject, body)
        if result is not None:
            found[name] = result
    return found
