"""What the person did to items between two checks, written onto the ledger rows it concerns.

``check`` asks the platform's ``observe(before, after)`` (integrations/base.py) for every known
item whose fields changed, that left, or that came back. Each observed change is appended to the
item's ``shadow`` rows (their agreement, :mod:`orchestrator.rules.shadow`) and to the ``done``
rows it reverses (a manual reversal: a correction for calibration). A change that one of
Steward's own done actions explains (our ``archive`` made the message leave) is not the person's
and is skipped.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from orchestrator.models import ActionRecord, Item
from orchestrator.pipeline.context import StageContext
from orchestrator.rules.shadow import agrees, observation_json, reverses

logger = logging.getLogger(__name__)
JSON = dict[str, Any]


def _argument(record: ActionRecord) -> Any:
    return (record.parameters or {}).get("argument") if isinstance(record.parameters, dict) else None


def observations_record(ctx: StageContext, item: Item, before: JSON | None, after: JSON | None) -> int:
    """Record the platform's observed changes for *item*; the number recorded."""
    observe = ctx.spec.observe
    if observe is None:
        return 0
    try:
        changes = [observation_json(o, at=timezone.now().isoformat()) for o in observe(before, after)]
    except Exception:  # a plugin bug must not stop the check
        logger.exception("%s/%s: observe failed for %s", ctx.integration_id, ctx.platform, item.key)
        return 0
    if not changes:
        return 0
    records = list(
        ActionRecord.objects.filter(
            item=item, status__in=(ActionRecord.Status.SHADOW, ActionRecord.Status.DONE)
        ).order_by("pk")
    )
    done = [r for r in records if r.status == ActionRecord.Status.DONE]
    recorded = 0
    for change in changes:
        if any(agrees(change, r.action, _argument(r)) for r in done):
            continue  # Steward did this itself
        for record in records:
            shadow = record.status == ActionRecord.Status.SHADOW
            if shadow or reverses(change, record.action, _argument(record)):
                record.observed = [*(record.observed or []), change]
                record.save(update_fields=["observed", "updated_at"])
                recorded += 1
    return recorded
