"""Priority on the scored path: one yes/no question the model can answer, mapped to low or medium.

A 135M model cannot rank four priorities: scored over ``low, medium, high, critical`` its argmax
was below the majority baseline on the corpus (docs/BENCHMARKS.md), its probabilities slightly
anti-correlated with the labels. What it reads somewhat better is whether a message asks something
of me, and that is most of what priority means in a mailbox: of the corpus's 96 hand labels, "medium
when it needs an answer, else low" matches 79 %. So for the well-known question ``priority``
(an enum with ``low`` and ``medium``) the scored path asks :data:`PROXY_QUESTION` instead and maps
its calibrated P(yes) to ``medium`` (at :data:`MEDIUM_AT` or more) or ``low``, re-centred
like the ``requires_response`` answer (``answers.DEFAULT_MODEL_DECIDE_AT``). ``high`` and
``critical`` are left to the rules and to a model that can tell them apart (the openai backend
still asks the enum itself).
"""

from __future__ import annotations

from typing import Any

PROXY_QUESTION = "does this email require a response from me?"
PROXY_NAME = "requires_response"  # the well-known question it is: its decision point applies
MEDIUM_AT = 0.5  # (re-centred) P(yes) from which an item is "medium"


def applies(name: str, prop: dict[str, Any]) -> bool:
    """True for the well-known ``priority`` enum that has both ``low`` and ``medium``."""
    values = prop.get("enum") or ()
    return name == "priority" and "low" in values and "medium" in values


def proxy_prop() -> dict[str, Any]:
    """The schema property the model is asked instead (a yes/no question)."""
    return {"type": "boolean", "description": PROXY_QUESTION}


def from_yes(p_yes: float, prop: dict[str, Any]) -> tuple[str, dict[str, float]]:
    """The priority for P(yes), and the probability it stands for spread over the enum's values."""
    value = "medium" if p_yes >= MEDIUM_AT else "low"
    spread = {str(v): 0.0 for v in prop["enum"]}
    spread["medium"], spread["low"] = p_yes, 1.0 - p_yes
    return value, spread
