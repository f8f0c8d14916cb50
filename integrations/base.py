"""The integration plugin contract.

An integration *type* (``email``, ``github``, the test-only ``dummy``) is declared once, as an
:class:`IntegrationType`. Everything the core needs to run it lives in that declaration:

* ``settings_schema`` — JSON schema of the per-integration settings (``secret_fields`` excluded);
* ``secret_fields`` — settings that are encrypted at rest, never shown back, never sent to the LLM;
* ``platforms`` — the item sources (``inbox``, ``pull_requests``) with their stage handlers,
  default classifications, deterministic condition sources, volatile fields and actions;
* ``services`` — callable capabilities (``create_issue``), optionally proposable in chat;
* ``checks`` — ``doctor`` checks, run once per enabled integration of the type;
* ``admin`` — help text and an example settings mapping shown in the admin form.

Plugins are found through :mod:`integrations.registry` (built-ins and ``STEWARD_PLUGINS`` alike),
which validates a whole declaration before registering it. docs/INTEGRATIONS.md walks through
writing one.

The core does the rest — queueing, provenance, the safety gate, the action ledger, the audit log — so
a plugin stays small. Stage handlers and actions receive a :class:`PlatformContext`, services and
checks an :class:`IntegrationContext`; they never touch the queue, the ledger or the core's models
themselves (stored state they need comes through the context).

Safety declarations fail safe: a condition namespace not in ``deterministic_sources`` counts as
LLM-derived, and an action a platform does not declare is treated as irreversible.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

JSON = dict[str, Any]


class Tier(enum.StrEnum):
    """Reversibility tiers (docs/SAFETY.md), from harmless to needs-a-human."""

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


class DeclarationError(ValueError):
    """A plugin's declaration is inconsistent (a name declared twice, a key that is not its name)."""


class IntegrationContext(Protocol):
    """What a service or a doctor check sees: one configured integration, read-only."""

    @property
    def integration_id(self) -> str: ...

    @property
    def settings(self) -> Mapping[str, Any]:
        """Non-secret settings, validated against ``settings_schema``."""

    @property
    def secrets(self) -> Mapping[str, str]:
        """Decrypted secret fields; never log them or forward them anywhere."""


class PlatformContext(IntegrationContext, Protocol):
    """What a stage handler or action sees: the integration, one platform and its stored items."""

    @property
    def platform(self) -> str: ...

    @property
    def options(self) -> Mapping[str, Any]:
        """Platform options (``limit``, ``window``, …)."""

    def stored_fields(self, keys: Iterable[str]) -> dict[str, JSON]:
        """The fields ``check`` stored for the items with these keys (absent keys are left out)."""
        ...

    def item_failed(self, key: str, error: str) -> None:
        """Report one item that could not be read while the rest go on (the run counts it)."""
        ...


@dataclass(frozen=True)
class CheckResult:
    """One line of ``doctor``: ``warning`` results are shown but do not fail it."""

    name: str
    ok: bool
    message: str
    warning: bool = False


@dataclass(frozen=True)
class DoctorCheck:
    """A ``doctor`` check, run once per enabled integration of the declaring type.

    ``run(ctx)`` returns one result or several; an expected failure is a result with ``ok=False``
    (it must not raise) and the check must finish within seconds (use client-side timeouts). A check
    that raises anyway is reported as a failed check naming the plugin and the integration.
    """

    name: str
    run: Callable[[IntegrationContext], CheckResult | Iterable[CheckResult]]


@dataclass(frozen=True)
class AdminHints:
    """What the admin shows beside an integration's settings: words and an example mapping."""

    help_text: str = ""
    example_settings: JSON = field(default_factory=dict)


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
    ``sensitive`` says the argument chooses *where* the effect goes or *who* sees it (a folder, a
    label, a recipient): when a rule renders it from item fields or LLM output rather than writing
    it literally, the action is gated like an irreversible one (docs/SAFETY.md, argument taint).
    """

    name: str
    tier: Tier
    run: Callable[[PlatformContext, JSON, Any], ActionOutcome]
    takes_argument: bool = False
    undo: Callable[[PlatformContext, JSON, JSON], None] | None = None
    reconcile: Callable[[PlatformContext, JSON, Any], bool] | None = None
    sensitive: bool = False


@dataclass(frozen=True)
class ClassificationSpec:
    """A question for the LLM: ``confidence`` (0–1), ``boolean`` or ``enum`` over ``values``."""

    name: str
    prompt: str
    type: str = "confidence"
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Observed:
    """A change a person made to an item outside Steward, seen by ``check`` between two runs.

    ``change`` says it in words ("left the INBOX", "label 'bug' added"). ``agrees_with`` names the
    platform actions this change amounts to (a shadow ``archive`` agrees with "left the INBOX");
    ``reverses`` names the actions it takes back (a message back in the INBOX reverses ``archive``),
    so a done action it reverses counts as a correction. ``argument``, when set, limits both to
    actions with that argument (``label: bug``).
    """

    change: str
    agrees_with: frozenset[str] = frozenset()
    reverses: frozenset[str] = frozenset()
    argument: Any = None


@dataclass(frozen=True)
class PlatformSpec:
    """An item source within an integration type, with its pipeline stage handlers.

    ``check(ctx, known)`` lists what is there now (``known`` maps the keys already stored to their
    stored fields, so a source can fetch only what is new); ``collect(ctx, keys)`` fetches snapshots
    for a batch of keys. Both may raise :class:`IntegrationError`.

    ``observe(before, after)`` (optional, pure, must not raise) compares an item's stored fields
    with what ``check`` found now and returns the :class:`Observed` changes: ``after`` is ``None``
    when the item is gone, ``before`` is ``None`` when a gone item is back. The core compares them
    with shadow rows (agreement) and done actions (manual reversals); without it, shadow rows of
    the platform stay ``unknown``.
    """

    name: str
    check: Callable[[PlatformContext, Mapping[str, JSON]], Iterable[Discovered]]
    collect: Callable[[PlatformContext, list[str]], Iterable[Collected]]
    options_schema: JSON = field(default_factory=lambda: {"type": "object"})
    default_classifications: tuple[ClassificationSpec, ...] = ()
    deterministic_sources: frozenset[str] = frozenset()
    volatile_fields: frozenset[str] = frozenset()
    actions: Mapping[str, ActionSpec] = field(default_factory=dict)
    # The fields of ``Collected.llm_input`` by name (``subject``, ``body``, ``diff``): what an LLM
    # profile's ``send_fields`` may name (docs/INTEGRATIONS.md, docs/LLM.md).
    llm_fields: tuple[str, ...] = ()
    observe: Callable[[JSON | None, JSON | None], Iterable[Observed]] | None = None


@dataclass(frozen=True)
class ChatProposal:
    """Makes a service proposable in chat; the options' ids are always approve/reject."""

    approve_label: str
    reject_label: str = "Cancel"
    guidance: str = ""  # extra words for the chat LLM about when to propose it
    # Words about one configured instance for the chat LLM (e.g. each repository's context).
    context: Callable[[IntegrationContext], str] | None = None


@dataclass(frozen=True)
class ServiceSpec:
    """A callable capability: ``run(ctx, inputs) -> markdown result``.

    ``input_schema`` validates inputs before the task is queued; ``validate(ctx, inputs)`` returns
    further problems that need the configured integration (a repository that is not configured),
    also before queueing. Services are irreversible unless declared ``reversible``.
    ``audit_template`` is a Jinja template over the inputs.
    """

    name: str
    run: Callable[[IntegrationContext, JSON], str]
    input_schema: JSON
    reversible: bool = False
    audit_template: str = ""
    chat: ChatProposal | None = None
    validate: Callable[[IntegrationContext, JSON], list[str]] | None = None
    # Inputs that choose where the effect goes or who sees it (a repository, a URL): a rule may
    # only write them literally, or the call is gated like irreversible (docs/SAFETY.md).
    sensitive_inputs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IntegrationType:
    """One integration type: the whole plugin declaration."""

    type: str
    description: str = ""
    settings_schema: JSON = field(default_factory=lambda: {"type": "object"})
    secret_fields: tuple[str, ...] = ()
    platforms: Mapping[str, PlatformSpec] = field(default_factory=dict)
    services: Mapping[str, ServiceSpec] = field(default_factory=dict)
    checks: tuple[DoctorCheck, ...] = ()
    admin: AdminHints = field(default_factory=AdminHints)

    @property
    def is_service_only(self) -> bool:
        return not self.platforms


Named = TypeVar("Named", ActionSpec, PlatformSpec, ServiceSpec)


def by_name(*specs: Named) -> dict[str, Named]:
    """The mapping ``{spec.name: spec}`` for a declaration; a name given twice is an error."""
    found: dict[str, Named] = {}
    for spec in specs:
        if spec.name in found:
            raise DeclarationError(f"{type(spec).__name__} {spec.name!r} is declared twice")
        found[spec.name] = spec
    return found
