"""The ``check`` stage for ``email.inbox``: what is in the INBOX now, fetching only what is new.

The checkpoint needs no storage of its own: it is the highest position (IMAP UID, or Maildir
arrival) among the known items' stored fields for the current UIDVALIDITY. A run then costs
one flag FETCH for the known messages still there, plus — only when something arrived — a
SEARCH for UIDs above the checkpoint and the headers of at most ``limit`` of them. The first
run takes the newest ``limit`` messages within ``window``. When UIDVALIDITY changes, every INBOX
message is identified again and known items are matched by key (a resync).

Known items whose message is no longer in the INBOX are simply not reported, so the pipeline
marks them ``synced``; being older than the window does not make an item disappear.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from integrations.base import Discovered, PlatformContext
from integrations.email.config import option_limit, window_start
from integrations.email.keys import base_of, numbered
from integrations.email.parsing import ANSWERED, FLAGGED, SEEN
from integrations.email.sessions import pooled_store
from integrations.email.store import INBOX, Identity, MailStore, Uid

JSON = dict[str, Any]


def flag_fields(flags: frozenset[str]) -> JSON:
    return {"is_read": SEEN in flags, "is_starred": FLAGGED in flags, "is_answered": ANSWERED in flags}


def item_fields(identity: Identity, validity: str) -> JSON:
    return {
        "uid": identity.uid,
        "uidvalidity": validity,
        "folder": INBOX,
        **flag_fields(identity.flags),
        **identity.extra,
    }


class _Keys:
    """Hands out external keys: the base key, or ``#2``, ``#3``… when a duplicate holds it."""

    def __init__(self) -> None:
        self.claimed: dict[str, Uid] = {}
        self.taken: set[Uid] = set()

    def claim(self, key: str, uid: Uid) -> None:
        self.claimed[key] = uid
        self.taken.add(uid)

    def assign(self, base: str, uid: Uid) -> str:
        n = 1
        while numbered(base, n) in self.claimed:
            n += 1
        key = numbered(base, n)
        self.claim(key, uid)
        return key


def _resync(store: MailStore, known: Mapping[str, JSON], keys: _Keys, validity: str) -> list[Discovered]:
    """UIDVALIDITY changed: find the known items again by key among every INBOX message."""
    by_base: dict[str, list[str]] = {}
    for key in sorted(known, key=lambda k: (len(k), k)):
        by_base.setdefault(base_of(key), []).append(key)
    found = []
    identities = store.identify(store.all_uids())
    for uid in sorted(identities, key=str):
        identity = identities[uid]
        candidates = [k for k in by_base.get(identity.key.base_key, []) if k not in keys.claimed]
        if candidates:
            keys.claim(candidates[0], uid)
            found.append(Discovered(candidates[0], item_fields(identity, validity)))
    return found


def discover(
    store: MailStore, known: Mapping[str, JSON], *, limit: int, since: datetime | None
) -> list[Discovered]:
    validity = store.inbox_validity()
    mine = {
        key: f for key, f in known.items() if f.get("uidvalidity") == validity and f.get("uid") is not None
    }
    keys = _Keys()
    found: list[Discovered] = []
    flags = store.present_flags([f["uid"] for f in mine.values()])
    for key, stored in sorted(mine.items()):
        uid = stored["uid"]
        if uid in flags and uid not in keys.taken:
            keys.claim(key, uid)
            found.append(Discovered(key, {**stored, **flag_fields(flags[uid])}))
    positions = [p for p in (store.position(f) for f in mine.values()) if p is not None]
    if positions:
        new_uids = store.newer_than(max(positions), limit)
    else:
        if known:
            found.extend(_resync(store, known, keys, validity))
        new_uids = store.newest(limit, since)
    new_uids = [uid for uid in new_uids if uid not in keys.taken]
    identities = store.identify(new_uids)
    for uid in new_uids:
        identity = identities.get(uid)
        if identity is None:
            continue  # expunged between SEARCH and FETCH
        found.append(Discovered(keys.assign(identity.key.base_key, uid), item_fields(identity, validity)))
    return found


def check(ctx: PlatformContext, known: Mapping[str, JSON]) -> list[Discovered]:
    """``email.inbox.check``: one store session for the whole task."""
    limit, since = option_limit(ctx.options), window_start(ctx.options)
    with pooled_store(ctx) as store:
        return discover(store, known, limit=limit, since=since)
