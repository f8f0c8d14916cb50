"""Services: resolving an instance id, checking inputs, queueing the call (docs/INTEGRATIONS.md).

A *service instance id* is ``<integration id>.<service>`` (``dummy.one.echo``); ``<type>.<service>``
(``dummy.echo``) is accepted when exactly one enabled integration of that type exists. Inputs are
validated against the service's JSON schema and the result routes are checked *before* a task is
queued, so a bad request is refused to its caller instead of failing later in a worker. The task
type is ``service.<type>.<service>`` (queue policies match on it); its handler is in
:mod:`orchestrator.actions.service_runs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from integrations import registry
from integrations.base import ServiceSpec, Tier
from orchestrator.actions.intents import ActionIntent, with_request_id
from orchestrator.json_schema import schema_errors
from orchestrator.models import Integration, Item, Run, Task
from orchestrator.queue import enqueue
from orchestrator.rules.actions import ActionKind, reversible_tier
from orchestrator.rules.result_routes import route_errors

SERVICE_PRIORITY = 7


class ServiceError(ValueError):
    """A service request refused before queueing (unknown instance, invalid inputs, bad route)."""


@dataclass(frozen=True)
class ResolvedService:
    integration: Integration
    name: str
    spec: ServiceSpec

    @property
    def instance_id(self) -> str:
        return f"{self.integration.integration_id}.{self.name}"

    @property
    def task_type(self) -> str:
        return f"service.{self.integration.type}.{self.name}"

    @property
    def tier(self) -> Tier:
        return reversible_tier(self.spec.reversible)


@dataclass(frozen=True)
class ServiceContext:
    """What a service handler sees (the :class:`PlatformContext` protocol, without a platform)."""

    integration_id: str
    settings: Mapping[str, Any]
    secrets: Mapping[str, str]
    platform: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # never print secrets
        return f"ServiceContext({self.integration_id})"

    @classmethod
    def of(cls, integration: Integration) -> ServiceContext:
        return cls(integration.integration_id, dict(integration.settings), dict(integration.secrets))


def _enabled_of_type(type_name: str) -> list[Integration]:
    return list(Integration.objects.filter(type=type_name, enabled=True).order_by("name"))


def service_resolve(instance_id: str) -> ResolvedService:
    """The enabled integration and service an instance id names, or :class:`ServiceError`."""
    parts = instance_id.split(".") if isinstance(instance_id, str) else []
    if len(parts) not in (2, 3) or not all(parts):
        raise ServiceError(
            f"{instance_id!r} is not a service instance id; write <integration id>.<service>, "
            "e.g. github.work.create_issue"
        )
    type_name, service = parts[0], parts[-1]
    if type_name not in registry.type_names():
        raise ServiceError(f"Service {instance_id!r}: integration type {type_name!r} is not installed")
    if len(parts) == 3:
        integration = Integration.objects.filter(type=type_name, name=parts[1]).first()
        if integration is None or not integration.enabled:
            state = "not found" if integration is None else "disabled"
            raise ServiceError(f"Service {instance_id!r}: integration '{type_name}.{parts[1]}' is {state}")
    else:
        candidates = _enabled_of_type(type_name)
        if len(candidates) != 1:
            ids = ", ".join(f"{i.integration_id}.{service}" for i in candidates) or "none enabled"
            raise ServiceError(
                f"Service {instance_id!r} is ambiguous or missing: name the integration ({ids})"
            )
        integration = candidates[0]
    spec = registry.get(type_name).services.get(service)
    if spec is None:
        valid = ", ".join(sorted(registry.get(type_name).services)) or "none"
        raise ServiceError(
            f"Service {instance_id!r}: type {type_name!r} has no service {service!r}; valid: {valid}"
        )
    return ResolvedService(integration, service, spec)


def service_problems(resolved: ResolvedService, inputs: Any, on_result: Any) -> list[str]:
    """Schema errors in *inputs* and problems in the result routes, each a readable line."""
    problems = [f"inputs.{line}" for line in schema_errors(inputs, resolved.spec.input_schema)]
    if not problems and resolved.spec.validate is not None:  # the type's own checks need valid inputs
        problems += resolved.spec.validate(ServiceContext.of(resolved.integration), inputs)
    problems += [f"on_result: {line}" for line in route_errors(on_result)]
    return problems


def service_check(resolved: ResolvedService, inputs: Any, on_result: Any) -> None:
    problems = service_problems(resolved, inputs, on_result)
    if problems:
        raise ServiceError(f"Service {resolved.instance_id} refused: " + "; ".join(problems))


def intent_enqueue(*, intent: ActionIntent, priority: int = SERVICE_PRIORITY, run: Run | None = None) -> Task:
    """Check and queue a service call described by *intent* (its name may be a short id)."""
    resolved = service_resolve(intent.name)
    service_check(resolved, intent.inputs, intent.on_result)
    intent = replace(
        intent,
        name=resolved.instance_id,
        integration_id=intent.integration_id or resolved.integration.integration_id,
        tier=resolved.tier,
    )
    return enqueue(resolved.task_type, with_request_id(intent).task_payload(), priority=priority, run=run)


def service_enqueue(
    *,
    instance_id: str,
    inputs: dict[str, Any],
    provenance: str,
    yolo: bool = False,
    on_result: Any = None,
    human_log: str = "",
    item: Item | None = None,
    rule: str = "",
    conversation_id: str = "",
    priority: int = SERVICE_PRIORITY,
    approval: int | None = None,
    run: Run | None = None,
) -> Task:
    """Queue a service call after validating it; :class:`ServiceError` says what is wrong.

    *provenance* is ``human`` for a call a person approved (chat proposals, approvals), ``rule``
    for a deterministic automation; anything else meets the runtime safety gate in the worker.
    ``on_result`` routes the markdown result (``note`` by default, ``audit``, ``chat_reply`` into
    *conversation_id*).
    """
    intent = ActionIntent(
        kind=ActionKind.SERVICE,
        name=instance_id,
        integration_id=item.integration_id if item else "",
        item=item,
        rule=rule or ("chat" if conversation_id else "direct"),
        provenance=provenance,
        yolo=yolo,
        inputs=inputs,
        on_result=on_result,
        human_log=human_log,
        conversation_id=conversation_id,
        approval_id=approval,
    )
    return intent_enqueue(intent=intent, priority=priority, run=run)
