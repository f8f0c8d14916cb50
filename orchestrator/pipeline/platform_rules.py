"""What a platform is configured to ask and decide: classifications, automations, LLM profile.

Read once per stage task. A platform with no automations has nothing to decide, so its items are
neither classified nor evaluated (no LLM tokens are spent on answers nothing reads).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.base import ClassificationSpec
from orchestrator.models import Item, LLMProfile, PlatformConfig
from orchestrator.pipeline.context import StageContext
from orchestrator.rules.classifications import normalise_classifications


def classification_set_hash(classifications: Mapping[str, ClassificationSpec]) -> str:
    """Changes whenever a question, its type or its values change (so items are asked again)."""
    canonical = [
        [name, spec.prompt, spec.type, list(spec.values)] for name, spec in sorted(classifications.items())
    ]
    return digest(canonical)


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PlatformRules:
    classifications: dict[str, ClassificationSpec]
    classification_hash: str
    automations: list[Any]
    profile: LLMProfile | None
    shadow: bool = False  # the platform's ``mode: shadow``

    @property
    def automations_hash(self) -> str:
        """Identifies the automation set; evaluate tasks carry it so a changed set re-evaluates
        (a platform going from shadow to live included)."""
        return digest([self.automations, "shadow"] if self.shadow else self.automations)[:16]

    @property
    def decides(self) -> bool:
        """Is there anything to evaluate at all?"""
        return bool(self.automations)

    @property
    def classifies(self) -> bool:
        return self.decides and bool(self.classifications)

    def needs_classification(self, item: Item) -> bool:
        """Classify when the content or the set of questions changed since the last answer."""
        if not self.classifies:
            return False
        by = item.classified_by if isinstance(item.classified_by, dict) else {}
        return (
            by.get("content_hash") != item.content_hash
            or by.get("classifications") != self.classification_hash
        )


def platform_rules(ctx: StageContext) -> PlatformRules:
    type_name, _, name = ctx.integration_id.partition(".")
    config = PlatformConfig.objects.select_related("integration__llm").get(
        integration__type=type_name, integration__name=name, name=ctx.platform
    )
    classifications = normalise_classifications(config.classifications, ctx.spec.default_classifications)
    automations = config.automations if isinstance(config.automations, list) else []
    return PlatformRules(
        classifications=classifications,
        classification_hash=classification_set_hash(classifications),
        automations=automations,
        profile=config.integration.llm,
        shadow=config.mode == "shadow",
    )
