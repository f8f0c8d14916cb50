"""The act stage: every planned action of a batch of items, through the ledger and the gate."""

from __future__ import annotations

from collections import Counter
from typing import Any

from orchestrator.actions.dispatch import planned_action_dispatch
from orchestrator.models import Item, Task
from orchestrator.pipeline.context import task_context
from orchestrator.rules.planned import PlannedAction


class ActRetry(Exception):
    """Some actions of the batch failed transiently; the retry skips what is already done."""

    permanent = False


def act(task: Task) -> dict[str, Any]:
    """Execute the planned actions (payload ``items``: a list of ``next_stage.ActEntry``).

    Platform actions run here; scripts and services are queued as their own tasks. One failing
    action does not stop the others; transient failures make the whole task retry, and the
    ledger then skips every action already done.
    """
    ctx = task_context(task.payload)
    entries = task.payload["items"]
    items = Item.objects.in_bulk([entry["item"] for entry in entries])
    outcomes: Counter[str] = Counter()
    retry = []
    for entry in entries:
        item = items.get(entry["item"])
        if item is None:
            outcomes["item_gone"] += len(entry["actions"])
            continue
        for payload in entry["actions"]:
            planned = PlannedAction.from_payload(payload)
            result = planned_action_dispatch(ctx=ctx, item=item, planned=planned, task=task)
            outcomes[result.outcome.value] += 1
            if result.retry:
                retry.append(f"{planned.name} on {item.key}")
    if retry:
        raise ActRetry(f"{len(retry)} action(s) failed and will be retried: {', '.join(retry[:5])}")
    return dict(outcomes)
