"""The test-only ``dummy`` integration, loaded with STEWARD_PLUGINS=tests.plugins.dummy.

Platform ``items`` discovers ``count`` synthetic items (option ``count``, default 3) with snapshot
fields ``n`` (int), ``title`` and ``tags`` (list), plus the volatile ``mood`` when the option
``mood`` is set. Action ``tag: <name>`` is soft-reversible,
``shout: <text>`` irreversible. Service ``echo`` (input ``text``) is irreversible, chat-proposable,
and returns its text as the note body. Every effect is appended to
``$STEWARD_DATA_DIR/dummy/<integration id>.jsonl`` so tests can check what happened from outside.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from integrations.base import (
    ActionOutcome,
    ActionSpec,
    AdminHints,
    ChatProposal,
    CheckResult,
    ClassificationSpec,
    Collected,
    Discovered,
    DoctorCheck,
    IntegrationContext,
    IntegrationType,
    PlatformContext,
    PlatformSpec,
    ServiceSpec,
    Tier,
)


def effects_path(integration_id: str) -> Path:
    return Path(settings.DATA_DIR) / "dummy" / f"{integration_id}.jsonl"


def record_effect(integration_id: str, **effect: Any) -> None:
    path = effects_path(integration_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(json.dumps(effect, sort_keys=True) + "\n")


def read_effects(integration_id: str) -> list[dict[str, Any]]:
    path = effects_path(integration_id)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _item(n: int, mood: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"n": n, "title": f"Item {n}", "tags": ["even" if n % 2 == 0 else "odd"]}
    if mood is not None:
        fields["mood"] = mood  # volatile: a change re-evaluates items but never re-collects them
    return fields


def check(ctx: PlatformContext, known: Mapping[str, dict[str, Any]]) -> Iterable[Discovered]:
    count = int(ctx.options.get("count", 3))
    mood = ctx.options.get("mood")
    return [Discovered(key=f"item-{n}", fields=_item(n, mood)) for n in range(1, count + 1)]


def collect(ctx: PlatformContext, keys: list[str]) -> Iterable[Collected]:
    for key in keys:
        snapshot = _item(int(key.removeprefix("item-")), ctx.options.get("mood"))
        yield Collected(key=key, snapshot=snapshot, llm_input=f"Title: {snapshot['title']}")


def die_once_after_effect(ctx: PlatformContext) -> None:
    """With option ``die_once: <marker path>``, SIGKILL this worker the first time an action has
    had its effect — the worst moment for a crash: the effect happened, the ledger says started."""
    marker = ctx.options.get("die_once")
    if marker and not Path(marker).exists():
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)


def tag(ctx: PlatformContext, snapshot: dict[str, Any], name: Any) -> ActionOutcome:
    record_effect(ctx.integration_id, action="tag", n=snapshot["n"], name=name)
    die_once_after_effect(ctx)
    return ActionOutcome(summary=f"tagged item {snapshot['n']} with {name}", undo={"name": name})


def is_tagged(ctx: PlatformContext, snapshot: dict[str, Any], name: Any) -> bool:
    """Reconcile: is the tag on the item now (the last tag/untag of that name wins)?"""
    state = False
    for effect in read_effects(ctx.integration_id):
        if effect.get("n") == snapshot["n"] and effect.get("name") == name:
            state = effect["action"] == "tag"
    return state


def untag(ctx: PlatformContext, snapshot: dict[str, Any], undo: dict[str, Any]) -> None:
    record_effect(ctx.integration_id, action="untag", n=snapshot["n"], name=undo["name"])


def shout(ctx: PlatformContext, snapshot: dict[str, Any], text: Any) -> ActionOutcome:
    record_effect(ctx.integration_id, action="shout", n=snapshot["n"], text=text)
    die_once_after_effect(ctx)
    return ActionOutcome(summary=f"shouted {text!r} about item {snapshot['n']}")


def echo(ctx: IntegrationContext, inputs: dict[str, Any]) -> str:
    record_effect(ctx.integration_id, action="echo", text=inputs["text"])
    return str(inputs["text"])


def effects_writable(ctx: IntegrationContext) -> CheckResult:
    """doctor: the effects file's folder can be written."""
    folder = effects_path(ctx.integration_id).parent
    folder.mkdir(parents=True, exist_ok=True)
    ok = os.access(folder, os.W_OK)
    return CheckResult(f"{ctx.integration_id}:effects", ok, f"{folder} is {'' if ok else 'not '}writable")


INTEGRATION_TYPE = IntegrationType(
    type="dummy",
    description="Synthetic items for tests (no network)",
    settings_schema={"type": "object", "additionalProperties": False, "properties": {}},
    platforms={
        "items": PlatformSpec(
            name="items",
            check=check,
            collect=collect,
            options_schema={
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "count": {"type": "integer", "minimum": 0, "maximum": 100000},
                    "mood": {"type": "string"},
                    "die_once": {"type": "string"},
                },
            },
            default_classifications=(
                ClassificationSpec("interesting", "Is this item interesting?", "confidence"),
            ),
            deterministic_sources=frozenset({"n", "title", "tags", "mood"}),
            volatile_fields=frozenset({"mood"}),
            actions={
                "tag": ActionSpec(
                    "tag", Tier.SOFT, tag, takes_argument=True, undo=untag, reconcile=is_tagged
                ),
                "shout": ActionSpec("shout", Tier.IRREVERSIBLE, shout, takes_argument=True),
            },
        )
    },
    services={
        "echo": ServiceSpec(
            name="echo",
            run=echo,
            input_schema={
                "type": "object",
                "additionalProperties": False,
                "required": ["text"],
                "properties": {"text": {"type": "string", "minLength": 1}},
            },
            reversible=False,
            audit_template="Echoed {{ text }}",
            chat=ChatProposal(approve_label="Echo it", reject_label="Cancel"),
        )
    },
    checks=(DoctorCheck("effects", effects_writable),),
    admin=AdminHints(help_text="No settings: everything is synthetic.", example_settings={}),
)

from tests.plugins import queue_tasks  # noqa: E402,F401
