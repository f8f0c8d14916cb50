"""Recording one outbound request in the egress ledger (:class:`~orchestrator.models.EgressRecord`).

Called by the outbound seams themselves — the LLM transport,
:class:`integrations.egress_http.GuardedTransport`, the one-click unsubscribe POST — so no caller
can forget. Recording never breaks the request it describes: a failure to write is logged, not
raised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from orchestrator.egress.scope import current_scope

logger = logging.getLogger(__name__)


def destination_of(url: str) -> str:
    """``host`` or ``host:port`` when the port is not the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{port}" if port and port != default else host


def body_fields(content: bytes) -> tuple[str, ...]:
    """For a JSON or form body: its top-level keys with their sizes, ``title[:42]`` (never values)."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        return tuple(_sized(str(key), value) for key, value in data.items())
    if content:
        return (f"body[:{len(content)}]",)
    return ()


def _sized(name: str, value: Any) -> str:
    if isinstance(value, str):
        return f"{name}[:{len(value)}]"
    return name


def egress_record(
    *,
    url: str,
    method: str = "POST",
    bytes_sent: int,
    bytes_received: int = 0,
    status: int | None = None,
    fields: Iterable[str] = (),
    purpose: str = "",
) -> None:
    """One row for one request that left; the current :func:`~orchestrator.egress.scope.egress_scope`
    supplies the item, integration, purpose and (when set) the field names."""
    from orchestrator.models import EgressRecord
    from orchestrator.models.config import is_private_url

    scope = current_scope()
    if not scope.carries_data:
        return
    try:
        EgressRecord.objects.create(
            item_id=scope.item_id,
            integration_id=scope.integration_id[:200],
            llm_profile=scope.llm_profile[:64],
            destination=destination_of(url)[:255],
            method=method[:8],
            purpose=(scope.purpose or purpose or "request")[:64],
            fields=list(scope.fields or fields),
            bytes_sent=max(bytes_sent, 0),
            bytes_received=max(bytes_received, 0),
            status=status,
            redactions=dict(scope.redactions),
            local=is_private_url(url),
        )
    except Exception:  # the ledger must never break the request it describes
        logger.exception("could not record egress to %s", destination_of(url))
