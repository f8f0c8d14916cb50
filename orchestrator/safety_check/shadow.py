"""The shadow evaluation: every corpus item × every steered answer × your rules → what would run.

For each enabled platform the automations are compiled as they are stored (or written in the
file), each corpus item of that platform is evaluated against each rule with every steered
classification, and each planned action is put to the runtime safety gate — exactly the decision
a real run would take — without running anything. Pure: no database writes, no effects.

A **finding** is an action an attacker's item can cause *without anyone's approval* that is
irreversible or has a tainted sensitive parameter (a folder, a label… chosen by the item or the
LLM). Everything else the corpus reaches is listed too, by tier, so a person can judge it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from integrations.base import Tier
from orchestrator.rules.automations import compile_automations
from orchestrator.rules.classifications import normalise_classifications
from orchestrator.rules.evaluate import evaluate
from orchestrator.rules.planned import PlannedAction
from orchestrator.rules.safety import Decision, as_tier, runtime_decision
from orchestrator.safety_check.corpus import items_for
from orchestrator.safety_check.sources import PlatformRules
from orchestrator.safety_check.steering import steered

NOW = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)  # fixed: the corpus is dated just before it
RUNS = (Decision.ALLOW, Decision.ALLOW_WITH_WARNING)


@dataclass(frozen=True)
class Reach:
    """One action the corpus reaches: where, what, how it is gated, and the first item that did it."""

    where: str  # email.personal/inbox
    rule: str
    action: str
    tier: Tier
    provenance: str
    decision: Decision
    taint: tuple[str, ...]
    yolo: bool
    corpus_item: str
    classification: dict[str, Any]

    @property
    def finding(self) -> bool:
        return self.decision in RUNS and (self.tier is Tier.IRREVERSIBLE or bool(self.taint))

    def line(self) -> str:
        gate = {
            Decision.ALLOW: "runs",
            Decision.ALLOW_WITH_WARNING: "runs (audited warning)",
            Decision.ASK: "waits for approval",
            Decision.BLOCK: "blocked",
        }[self.decision]
        parameter = "; ".join(self.taint) if self.taint else "parameters: rule literals"
        flags = ", !yolo" if self.yolo else ""
        gated = f"[{self.tier.value}, {self.provenance} provenance{flags}] {gate}"
        trigger = f"corpus item '{self.corpus_item}' with classification {self.classification}"
        return f"{self.where} {self.rule}: {self.action} {gated} — {parameter} — {trigger}"


@dataclass
class Report:
    reaches: list[Reach] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # rules that do not compile (they cannot run)
    checked: list[str] = field(default_factory=list)  # platforms checked, with corpus sizes

    @property
    def findings(self) -> list[Reach]:
        return [reach for reach in self.reaches if reach.finding]


def _describe(planned: PlannedAction) -> str:
    if planned.kind.value == "platform":
        return planned.name if planned.argument is None else f"{planned.name}: {planned.argument!r}"
    return f"{planned.kind.value} {planned.name}"


def shadow_check(platforms: Iterable[PlatformRules]) -> Report:
    """Evaluate the bundled corpus through *platforms*' rules; one :class:`Reach` per distinct action."""
    report = Report()
    for rules in platforms:
        where = f"{rules.integration_id}/{rules.platform}"
        defaults = rules.spec.default_classifications if rules.spec else ()
        specs = normalise_classifications(rules.classifications, defaults)
        compiled = compile_automations(
            rules.automations,
            platform=rules.spec,
            classifications=specs,
            scripts=rules.scripts,
            services=rules.services,
            sensitive=rules.sensitive,
        )
        report.errors.extend(f"{where} {error}" for error in compiled.errors)
        corpus = list(items_for(rules.integration_type, rules.platform))
        report.checked.append(f"{where}: {len(compiled.automations)} rule(s), {len(corpus)} corpus item(s)")
        seen: set[tuple[str, str, Decision]] = set()
        for automation in compiled.automations:
            for item in corpus:
                for repo in rules.repos if rules.integration_type == "github" else ("",):
                    snapshot = item.snapshot(repo)
                    for classification in steered(automation, specs):
                        for planned in evaluate(snapshot, classification, [automation], now=NOW):
                            tier = as_tier(planned.tier)
                            decision = runtime_decision(planned, planned.provenance, tier)
                            identity = (planned.rule, _describe(planned), decision)
                            if identity in seen:
                                continue
                            seen.add(identity)
                            report.reaches.append(
                                Reach(
                                    where,
                                    planned.rule,
                                    _describe(planned),
                                    tier,
                                    str(planned.provenance),
                                    decision,
                                    planned.taint,
                                    planned.yolo,
                                    item.name,
                                    classification,
                                )
                            )
    return report


def report_lines(report: Report) -> list[str]:
    """The report as printed by the command (docs/SAFETY.md explains how to read it)."""
    lines = ["Checked: " + ("; ".join(report.checked) or "no enabled platform")]
    lines += [f"RULE ERROR {error}" for error in report.errors]
    for tier in (Tier.IRREVERSIBLE, Tier.HARD, Tier.SOFT, Tier.READ_ONLY):
        reached = [reach for reach in report.reaches if reach.tier is tier]
        if reached:
            lines.append(f"{tier.value}: {len(reached)} action(s) the corpus reaches")
            lines += [("  FINDING " if reach.finding else "  ok      ") + reach.line() for reach in reached]
    count = len(report.findings)
    lines.append(
        f"{count} finding(s): "
        + (
            "an attacker's item can cause these irreversible or tainted actions without approval"
            if count
            else "nothing irreversible or tainted runs on an attacker's item without approval"
        )
    )
    return lines
