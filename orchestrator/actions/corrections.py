"""The person's corrections and the actions they kept, as calibration samples (read-only).

Corrections are automation actions that were undone, whose approval was rejected, or that a
later check saw the person reverse by hand (``observed`` with ``reverses``). Kept ones are done
and never taken back. Each contributes, per ``confidence`` classification of its platform, the
value its item was classified with (orchestrator/rules/calibration.py does the figures).
"""

from __future__ import annotations

from typing import Any

from orchestrator.models import ActionRecord, Approval, PlatformConfig
from orchestrator.rules.calibration import Calibration, Sample, calibrate
from orchestrator.rules.classifications import normalise_classifications
from orchestrator.rules.shadow import reverses


def confidence_names() -> dict[tuple[str, str], set[str]]:
    """(integration id, platform) → the names of its ``confidence`` classifications."""
    found: dict[tuple[str, str], set[str]] = {}
    for config in PlatformConfig.objects.select_related("integration"):
        try:
            defaults = config.spec().default_classifications
        except (KeyError, LookupError, ValueError):
            defaults = ()
        specs = normalise_classifications(config.classifications, defaults)
        found[(config.integration.integration_id, config.name)] = {
            name for name, spec in specs.items() if spec.type == "confidence"
        }
    return found


def _reversed_by_hand(record: ActionRecord) -> bool:
    argument = (record.parameters or {}).get("argument") if isinstance(record.parameters, dict) else None
    observed = record.observed if isinstance(record.observed, list) else []
    return any(isinstance(o, dict) and reverses(o, record.action, argument) for o in observed)


def correction_samples() -> list[Sample]:
    rejected = set(
        Approval.objects.filter(status=Approval.Status.REJECTED, action_record__isnull=False).values_list(
            "action_record_id", flat=True
        )
    )
    names = confidence_names()
    records = ActionRecord.objects.filter(item__isnull=False, rule__startswith="automation").select_related(
        "item"
    )
    samples = []
    for record in records.exclude(status=ActionRecord.Status.SHADOW):
        corrected = (
            record.status == ActionRecord.Status.UNDONE or record.pk in rejected or _reversed_by_hand(record)
        )
        if not corrected and record.status != ActionRecord.Status.DONE:
            continue  # blocked, failed, waiting: neither kept nor corrected
        item = record.item
        assert item is not None
        classification: Any = item.classification if isinstance(item.classification, dict) else {}
        for name in names.get((item.integration_id, item.platform), set()):
            value = classification.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                samples.append(Sample(name, float(value), corrected))
    return samples


def calibration_report() -> list[Calibration]:
    """The figures for every confidence classification with at least one sample."""
    return calibrate(correction_samples())
