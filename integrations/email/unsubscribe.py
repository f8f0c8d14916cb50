"""RFC 2369 ``List-Unsubscribe`` and RFC 8058 one-click unsubscription.

A message is one-click unsubscribable when ``List-Unsubscribe`` names an ``https`` URL and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` is present. The ``unsubscribe`` action
POSTs ``List-Unsubscribe=One-Click`` to that URL — irreversible, so it also insists that DKIM
passed (RFC 8058 §4 requires both headers to be DKIM-signed): a forged header must not make
Steward confirm a live address to whoever wrote it.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from integrations.base import ActionOutcome, IntegrationError, PlatformContext
from integrations.email import headers, outbound

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
_BRACKETED = re.compile(r"<([^<>]*)>")


def unsubscribe_urls(msg: Message) -> list[str]:
    """Every URL in ``List-Unsubscribe`` (``mailto:`` and ``http(s):``), in the order given."""
    value = headers.first(msg, "List-Unsubscribe") or ""
    return [re.sub(r"\s+", "", url) for url in _BRACKETED.findall(value) if url.strip()]


def one_click_url(msg: Message) -> str | None:
    """The https URL to POST to when the message offers RFC 8058 one-click, else ``None``."""
    post = headers.first(msg, "List-Unsubscribe-Post") or ""
    if ONE_CLICK_BODY.lower() not in post.replace(" ", "").lower():
        return None
    for url in unsubscribe_urls(msg):
        parts = urlsplit(url)
        if parts.scheme.lower() == "https" and parts.hostname:
            return url
    return None


def list_id(msg: Message) -> str | None:
    value = headers.first(msg, "List-Id")
    if not value:
        return None
    bracketed = _BRACKETED.findall(value)
    return (bracketed[-1] if bracketed else value).strip().lower() or None


def unsubscribe(ctx: PlatformContext, snapshot: dict[str, Any], argument: Any) -> ActionOutcome:
    """The ``unsubscribe`` action: one RFC 8058 POST (irreversible; the core gates who may run it)."""
    url = snapshot.get("unsubscribe_url")
    if not snapshot.get("is_unsubscribable") or not url:
        raise IntegrationError("this message offers no RFC 8058 one-click unsubscribe", permanent=True)
    if (snapshot.get("authentication") or {}).get("dkim_pass") is not True:
        raise IntegrationError(
            "refusing one-click unsubscribe: DKIM did not pass, so the List-Unsubscribe header may "
            "be forged (RFC 8058 requires it to be DKIM-signed)",
            permanent=True,
        )
    status = outbound.post_form(url, ONE_CLICK_BODY)
    host = urlsplit(url).hostname
    return ActionOutcome(summary=f"unsubscribed from {snapshot.get('list_id') or host} (HTTP {status})")
