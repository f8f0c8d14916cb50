"""Which services the chat LLM may propose, and whether a proposal names one correctly.

A service is proposable when its integration type declares a ``chat`` block; one *instance* exists
per enabled integration of that type (``dummy.one.echo``). A proposal naming ``<type>.<service>``
is accepted when exactly one enabled integration of that type exists. The LLM's output
is untrusted: the action must be one of these and the parameters must validate against the
service's input schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations import registry
from integrations.base import ChatProposal, ServiceSpec
from orchestrator.actions.services import ServiceContext
from orchestrator.json_schema import schema_errors
from orchestrator.models import Integration

DESCRIPTION_MAX = 500


@dataclass(frozen=True)
class Proposable:
    instance_id: str  # <integration id>.<service>
    integration_id: str
    type_name: str
    service: ServiceSpec
    context: str = ""  # what the type says about this instance (ChatProposal.context)

    @property
    def chat(self) -> ChatProposal:
        assert self.service.chat is not None
        return self.service.chat

    @property
    def options(self) -> list[dict[str, str]]:
        """The card's buttons: ids are always approve/reject, the service chooses the labels."""
        return [
            {"id": "approve", "label": self.chat.approve_label},
            {"id": "reject", "label": self.chat.reject_label},
        ]


@dataclass(frozen=True)
class Proposal:
    """A proposal that passed every check, ready to become a confirmation card."""

    target: Proposable
    parameters: dict[str, Any]
    description: str


class InvalidProposal(ValueError):
    """The LLM proposed something that is not allowed; the message says what (for the log)."""


def proposable_services() -> dict[str, Proposable]:
    """Instance id → proposable service, over the enabled integrations of registered types."""
    found: dict[str, Proposable] = {}
    known = registry.type_names()
    for integration in Integration.objects.filter(enabled=True).order_by("type", "name"):
        if integration.type not in known:
            continue
        for name, service in registry.get(integration.type).services.items():
            if service.chat is not None:
                instance_id = f"{integration.integration_id}.{name}"
                context = service.chat.context(ServiceContext.of(integration)) if service.chat.context else ""
                found[instance_id] = Proposable(
                    instance_id, integration.integration_id, integration.type, service, context
                )
    return found


def proposable_resolve(action: str, available: dict[str, Proposable]) -> Proposable | None:
    """The service *action* names: an instance id, or ``<type>.<service>`` when unambiguous."""
    if action in available:
        return available[action]
    type_name, _, service = action.partition(".")
    matches = [p for p in available.values() if p.type_name == type_name and p.service.name == service]
    return matches[0] if len(matches) == 1 else None


def proposal_check(raw: Any, available: dict[str, Proposable]) -> Proposal:
    """Validate the LLM's ``proposal`` object, or raise :class:`InvalidProposal`."""
    if not isinstance(raw, dict):
        raise InvalidProposal(f"proposal is not an object: {raw!r:.200}")
    action = raw.get("action")
    if not isinstance(action, str) or not action:
        raise InvalidProposal("proposal has no action")
    target = proposable_resolve(action, available)
    if target is None:
        valid = ", ".join(sorted(available)) or "none"
        raise InvalidProposal(f"proposed action {action!r:.100} is not a proposable service; valid: {valid}")
    parameters = raw.get("parameters", {})
    if not isinstance(parameters, dict):
        raise InvalidProposal(f"parameters of {target.instance_id} are not an object")
    problems = schema_errors(parameters, target.service.input_schema)
    if problems:
        raise InvalidProposal(f"parameters of {target.instance_id} are invalid: {'; '.join(problems)}")
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        description = f"Run {target.instance_id}"
    return Proposal(target, parameters, description.strip()[:DESCRIPTION_MAX])
