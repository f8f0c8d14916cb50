"""The ``collect`` stage for ``email.inbox``: whole messages in, snapshots and LLM input out.

A batch of keys is fetched in one session with two FETCH commands (sizes and flags, then
bodies). Each message is checked to still be the one its key names — a UID can point elsewhere
after a UIDVALIDITY change — and looked up again by Message-ID if not. A message gone since
``check`` is skipped (the next check marks its item ``synced``); the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from integrations.base import Collected, PlatformContext
from integrations.email.config import MailSettings
from integrations.email.keys import FINGERPRINT_PREFIX, KeyMaterial, base_of
from integrations.email.parsing import ParsedMessage, parse_message
from integrations.email.sessions import pooled_store
from integrations.email.store import INBOX, MailStore, RawMessage, Uid

logger = logging.getLogger(__name__)
JSON = dict[str, Any]


def same_message(found: KeyMaterial, key: str) -> bool:
    base = base_of(key)
    return found.base_key in {key, base}


def relocate(store: MailStore, key: str) -> Uid | None:
    """Find a message by the Message-ID its key holds (fingerprint keys cannot be searched for)."""
    base = base_of(key)
    if base.startswith(FINGERPRINT_PREFIX):
        return None
    return store.locate(INBOX, base)


def parse(raw: RawMessage, settings: MailSettings) -> ParsedMessage:
    return parse_message(
        raw.raw,
        uid=raw.uid,
        flags=raw.flags,
        size=raw.size,
        internal_date=raw.internal_date,
        trusted_authserv_id=settings.trusted_authserv_id,
        own_addresses=[settings.own_address] if settings.own_address else [],
    )


def _collected(key: str, parsed: ParsedMessage) -> Collected:
    return Collected(
        key=key, snapshot=parsed.snapshot, llm_input=parsed.llm_input, low_trust=parsed.low_trust
    )


def collect_from(store: MailStore, keys: list[str], fields: Mapping[str, JSON]) -> Iterator[Collected]:
    settings = store.settings
    validity = store.inbox_validity()
    wanted: dict[Uid, str] = {}
    lost: list[str] = []
    for key in keys:
        stored = fields.get(key) or {}
        uid = stored.get("uid")
        if uid is not None and stored.get("uidvalidity") == validity:
            wanted[uid] = key
        else:
            lost.append(key)
    retry: list[str] = []
    messages = store.fetch(list(wanted))
    for uid, key in wanted.items():
        message = messages.get(uid)
        if message is None:
            logger.info("email %s: %s left the INBOX before collect", store.settings.source, key)
            continue
        parsed = parse(message, settings)
        if same_message(parsed.key, key):
            yield _collected(key, parsed)
        else:
            retry.append(key)
    for key in lost + retry:
        uid = relocate(store, key)
        found = store.fetch([uid]).get(uid) if uid is not None else None
        if found is None:
            logger.info("email: %s is not in the INBOX any more; skipped", key)
            continue
        parsed = parse(found, settings)
        if same_message(parsed.key, key):
            yield _collected(key, parsed)


def collect(ctx: PlatformContext, keys: list[str] | Mapping[str, JSON]) -> Iterator[Collected]:
    """``email.inbox.collect``: *keys* may be a mapping key → stored fields (saves a DB read)."""
    key_list = list(keys)
    fields = keys if isinstance(keys, Mapping) else ctx.stored_fields(key_list)
    with pooled_store(ctx) as store:
        yield from collect_from(store, key_list, fields)
