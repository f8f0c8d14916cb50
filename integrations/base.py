"""The integration plugin contract.

An integration *type* (``email``, ``github``, the test-only ``dummy``) is declared once, as an
:class:`IntegrationType`. Everything the core needs to run it lives in that declaration:

* ``settings_schema`` — JSON schema of the per-integration settings (``secret_fields`` excluded);
* ``secret_fields`` — settings that are encrypted at rest, never shown back, never sent to the LLM;
* ``platforms`` — the item sources (``inbox``, ``pull_requests``) with their stage handlers,
  default classifications, deterministic condition sources, volatile fields and actions;
* ``services`` — callable capabilities (``create_issue``), optionally proposable in chat.

The core does the rest — queueing, provenance, the safety gate, the action ledger, the audit log — so
a plugin stays small. Stage handlers and actions receive a :class:`PlatformContext` and never touch
the queue or the ledger themselves.

Safety declarations fail safe: a condition namespace not in ``deterministic_sources`` counts as
LLM-derived, and an action a platform does not declare is treated as irreversible.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = dict[str, Any]


class Tier(enum.StrEnum):
    """Reversibility tiers (SPEC §6), from harmless to needs-a-human."""

    READ_ONLY = "read_only"
    SOFT = "soft_reversible"
    HARD = "hard_reversible"
    IRREVERSIBLE = "irreversible"


class IntegrationError(Exception):
    """A stage, action or service failed. ``permanent`` failures are not retried.

    Raise ``IntegrationError("...", permanent=True)`` for bad configuration or rejected input (the
    message must say what to fix); leave ``permanent`` false for network drops, timeouts and 5xx,
    which the queue retries with backoff.
    """

    def __init__(self, message: str, *, permanent: bool = False, retry_after_s: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after_s = retry_after_s


class PlatformContext(Protocol):
    """What a stage handler or action sees: the configured integration and platform, read-only."""

    @property
    def integration_id(self) -> str: ...

    @property
    def platform(self) -> str: ...

    @property
    def settings(self) -> Mapping[str, Any]:
        """Non-secret settings, validated against ``settings_schema``."""

    @property
    def secrets(self) -> Mapping[str, str]:
        """Decrypted secret fields; never log them or forward them anywhere."""

    @property
    def options(self) -> Mapping[str, Any]:
        """Platform options (``limit``, ``window``, …)."""


@dataclass(frozen=True)
class Discovered:
    """One item seen by ``check``: its stable key and the cheap fields known without a fetch."""

    key: str
    fields: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class Collected:
    """One item fetched by ``collect``: its full snapshot and the framed text for the LLM."""

    key: str
    snapshot: JSON
    llm_input: str = ""
    low_trust: bool = False  # classify at priority 9 (e.g. mail failing SPF/DKIM/DMARC)


@dataclass(frozen=True)
class ActionOutcome:
    """What an action did, in words for the audit log, plus whatever undo needs later."""

    summary: str
    undo: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class ActionSpec:
    """A platform action (``archive``, ``move_to: Receipts``, ``label: docs``).

    ``run(ctx, snapshot, argument)`` performs it; ``argument`` is ``None`` for bare-string actions.
    ``undo(ctx, snapshot, undo_data)`` reverses a done soft-reversible action. ``reconcile`` answers,
    on a retry after a crash, whether the effect already happened (``True``), so it is not redone.
    """

    name: str
    tier: Tier
    run: Callable[[PlatformContext, JSON, Any], ActionOutcome]
    takes_argument: bool = False
    undo: Callable[[PlatformContext, JSON, JSON], None] | None = None
    reconcile: Callable[[PlatformContext, JSON, Any], bool] | None = None


@dataclass(frozen=True)
class ClassificationSpec:
    """A question for the LLM: ``confidence`` (0–1), ``boolean`` or ``enum`` over ``values``."""

    name: str
    prompt: str
    type: str = "confidence"
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlatformSpec:
    """An item source within an integration type, with its pipeline stage handlers.

    ``check(ctx, known)`` lists what is there now (``known`` maps the keys already stored to their
    stored fields, so a source can fetch only what is new); ``collect(ctx, keys)`` fetches snapshots
    for a batch of keys. Both may raise :class:`IntegrationError`.
    """

    name: str
    check: Callable[[PlatformContext, Mapping[str, JSON]], Iterable[Discovered]]
    collect: Callable[[PlatformContext, list[str]], Iterable[Collected]]
    options_schema: JSON = field(default_factory=lambda: {"type": "object"})
    default_classifications: tuple[ClassificationSpec, ...] = ()
    deterministic_sources: frozenset[str] = frozenset()
    volatile_fields: frozenset[str] = frozenset()
    actions: Mapping[str, ActionSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class ChatProposal:
    """Makes a service proposable in chat; the options' ids are always approve/reject."""

    approve_label: str
    reject_label: str = "Cancel"
    guidance: str = ""  # extra words for the chat LLM about when to propose it


@dataclass(frozen=True)
class ServiceSpec:
    """A callable capability: ``run(ctx, inputs) -> markdown result``.

    ``input_schema`` validates inputs before the task is queued. Services are irreversible unless
    declared ``reversible``. ``audit_template`` is a Jinja template over the inputs.
    """

    name: str
    run: Callable[[PlatformContext, JSON], str]
    input_schema: JSON
    reversible: bool = False
    audit_template: str = ""
    chat: ChatProposal | None = None


@dataclass(frozen=True)
class IntegrationType:
    """One integration type: the whole plugin declaration."""

    type: str
    description: str = ""
    settings_schema: JSON = field(default_factory=lambda: {"type": "object"})
    secret_fields: tuple[str, ...] = ()
    platforms: Mapping[str, PlatformSpec] = field(default_factory=dict)
    services: Mapping[str, ServiceSpec] = field(default_factory=dict)

    @property
    def is_service_only(self) -> bool:
        return not self.platforms
