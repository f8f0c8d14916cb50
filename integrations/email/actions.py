"""The ``email.inbox`` actions: move, flag and draft — each with its undo and its reconcile.

Every action first finds the message: where this task already moved it, else at its snapshot
UID in the INBOX (checked to still be the same message), else by Message-ID. A message that has
left the INBOX since ``check`` is a clear permanent error, and the rest of the batch goes on —
unless a move finds it already in its destination (a retried MOVE whose answer was lost): done.
Moves record the destination folder and new UID (COPYUID), so undo can move the message back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from integrations.base import ActionOutcome, ActionSpec, IntegrationError, PlatformContext, Tier
from integrations.email import drafts, unsubscribe
from integrations.email.config import context_settings
from integrations.email.parsing import DRAFT, FLAGGED, SEEN
from integrations.email.sessions import ActSession, act_session
from integrations.email.store import INBOX, MailStore, Uid, checked_folder_name

JSON = dict[str, Any]


def identity(snapshot: JSON) -> str:
    return str(snapshot.get("message_id") or snapshot.get("fingerprint") or "")


def _is_same(store: MailStore, folder: str, uid: Uid, snapshot: JSON) -> bool:
    found = store.identity_at(folder, uid)
    if found is None:
        return False
    if snapshot.get("message_id"):
        return found.message_id == snapshot["message_id"]
    return found.fingerprint == snapshot.get("fingerprint")


def find(session: ActSession, snapshot: JSON, folder: str = INBOX, uid: Uid | None = None) -> tuple[str, Uid]:
    """Where the message is now: ``(folder, uid)``, or a permanent error when it is gone."""
    store = session.store
    if uid is None and folder == INBOX:
        uid = snapshot.get("uid")
    places = [session.moved[identity(snapshot)]] if identity(snapshot) in session.moved else []
    places.append((folder, uid))
    for where, at in places:
        if at is not None and _is_same(store, where, at, snapshot):
            return where, at
        if snapshot.get("message_id"):
            found = store.locate(where, snapshot["message_id"])
            if found is not None:
                return where, found
    raise IntegrationError(
        f"the message is no longer in {folder} (moved or deleted since it was checked)", permanent=True
    )


def _reconciler(
    check: Callable[[PlatformContext, JSON, Any], bool],
) -> Callable[[PlatformContext, JSON, Any], bool]:
    """A reconcile answers True only when it is sure; any trouble means "not done, redo it"."""

    def reconcile(ctx: PlatformContext, snapshot: JSON, argument: Any) -> bool:
        try:
            return check(ctx, snapshot, argument)
        except IntegrationError:
            return False

    return reconcile


# --- moves ------------------------------------------------------------------------------------
def _arrived(store: MailStore, destination: str, snapshot: JSON) -> Uid | None:
    """The message's UID in *destination*, when it is there (and so gone from the INBOX)."""
    if not snapshot.get("message_id"):
        return None
    try:
        return store.locate(destination, snapshot["message_id"])
    except IntegrationError:  # no such folder (yet), say: it is not there
        return None


def _move(ctx: PlatformContext, snapshot: JSON, destination: str | None, role: str | None) -> ActionOutcome:
    with act_session(ctx) as session:
        store = session.store
        if role is not None:
            destination = store.folder_for(role)
        assert destination is not None
        try:
            folder, uid = find(session, snapshot)
        except IntegrationError:
            # Gone from the INBOX but already where it was going: an earlier attempt's MOVE went
            # through and the server went away before it answered (or the user moved it there).
            arrived = _arrived(store, destination, snapshot)
            if arrived is None:
                raise
            return ActionOutcome(
                summary=f"already in {destination}",
                undo={"folder": destination, "uid": arrived, "back_to": INBOX},
            )
        created = False if role is not None else store.ensure_folder(destination)
        if folder == destination:
            return ActionOutcome(summary=f"already in {destination}", undo={})
        new_uid = store.move(folder, uid, destination)
        session.moved[identity(snapshot)] = (destination, new_uid)
    note = " (folder created)" if created else ""
    return ActionOutcome(
        summary=f"moved from {folder} to {destination}{note}",
        undo={"folder": destination, "uid": new_uid, "back_to": folder},
    )


def _move_back(ctx: PlatformContext, snapshot: JSON, undo: JSON) -> None:
    if not undo:
        return
    with act_session(ctx) as session:
        folder, uid = find(session, snapshot, undo["folder"], undo.get("uid"))
        new_uid = session.store.move(folder, uid, undo.get("back_to") or INBOX)
        session.moved[identity(snapshot)] = (undo.get("back_to") or INBOX, new_uid)


def _moved_to(ctx: PlatformContext, snapshot: JSON, destination: str | None, role: str | None) -> bool:
    """Reconcile: has the message already left the INBOX for *destination*?"""
    message_id = snapshot.get("message_id")
    if not message_id:
        return False
    with act_session(ctx) as session:
        store = session.store
        target = store.folder_for(role) if role else str(destination)
        return store.locate(target, message_id) is not None and store.locate(INBOX, message_id) is None


def mover(name: str, *, role: str | None, tier: Tier = Tier.SOFT) -> ActionSpec:
    if role is None:
        return ActionSpec(
            name,
            tier,
            lambda ctx, snap, arg: _move(ctx, snap, _folder_argument(arg), None),
            takes_argument=True,
            undo=_move_back,
            reconcile=_reconciler(lambda ctx, snap, arg: _moved_to(ctx, snap, _folder_argument(arg), None)),
            sensitive=True,  # the folder decides where the mail goes (and who may see it there)
        )
    return ActionSpec(
        name,
        tier,
        lambda ctx, snap, arg: _move(ctx, snap, None, role),
        undo=_move_back,
        reconcile=_reconciler(lambda ctx, snap, arg: _moved_to(ctx, snap, None, role)),
    )


def _folder_argument(argument: Any) -> str:
    if not isinstance(argument, str) or not argument.strip():
        raise IntegrationError("move_to needs a folder name, e.g. move_to: Receipts", permanent=True)
    return checked_folder_name(argument.strip())


# --- flags ------------------------------------------------------------------------------------
def _set_flag(ctx: PlatformContext, snapshot: JSON, flag: str, verb: str) -> ActionOutcome:
    with act_session(ctx) as session:
        folder, uid = find(session, snapshot)
        was_set = flag in session.store.flags(folder, uid)
        if not was_set:
            session.store.set_flag(folder, uid, flag, True)
    return ActionOutcome(
        summary=f"{verb} in {folder}" if not was_set else f"was already {verb}",
        undo={"flag": flag, "folder": folder, "uid": uid, "was_set": was_set},
    )


def _unset_flag(ctx: PlatformContext, snapshot: JSON, undo: JSON) -> None:
    if not undo or undo.get("was_set"):
        return  # we did not set it, so we do not clear it
    with act_session(ctx) as session:
        folder, uid = find(session, snapshot, undo.get("folder") or INBOX, undo.get("uid"))
        session.store.set_flag(folder, uid, undo["flag"], False)


def _flag_is_set(ctx: PlatformContext, snapshot: JSON, flag: str) -> bool:
    with act_session(ctx) as session:
        folder, uid = find(session, snapshot)
        return flag in session.store.flags(folder, uid)


def flagger(name: str, flag: str, verb: str) -> ActionSpec:
    return ActionSpec(
        name,
        Tier.SOFT,
        lambda ctx, snap, arg: _set_flag(ctx, snap, flag, verb),
        undo=_unset_flag,
        reconcile=_reconciler(lambda ctx, snap, arg: _flag_is_set(ctx, snap, flag)),
    )


# --- drafts -----------------------------------------------------------------------------------
def draft_reply(ctx: PlatformContext, snapshot: JSON, argument: Any) -> ActionOutcome:
    if not isinstance(argument, str) or not argument.strip():
        raise IntegrationError(
            'draft_reply needs the reply text, e.g. draft_reply: "Thanks!"', permanent=True
        )
    settings = context_settings(ctx)
    sender = settings.own_address or next(iter(snapshot.get("to_addresses") or []), None)
    message = drafts.build_reply(snapshot, argument, sender=sender)
    with act_session(ctx) as session:
        folder = session.store.folder_for("drafts")
        uid = session.store.append(folder, message.as_bytes(), frozenset({DRAFT}))
    return ActionOutcome(
        summary=f"drafted a reply to {message['To']} in {folder}",
        undo={"folder": folder, "uid": uid, "message_id": message["Message-ID"]},
    )


def delete_draft(ctx: PlatformContext, snapshot: JSON, undo: JSON) -> None:
    with act_session(ctx) as session:
        store = session.store
        uid = undo.get("uid")
        if uid is None or store.identity_at(undo["folder"], uid) is None:
            uid = store.locate(undo["folder"], undo["message_id"])
        if uid is None:
            return  # already sent or deleted by the person: nothing to undo
        found = store.identity_at(undo["folder"], uid)
        if found is not None and found.message_id == undo["message_id"]:
            store.delete(undo["folder"], uid)


def draft_exists(ctx: PlatformContext, snapshot: JSON, argument: Any) -> bool:
    message_id = snapshot.get("message_id")
    if not message_id:
        return False
    with act_session(ctx) as session:
        folder = session.store.folder_for("drafts")
        return bool(session.store.search_header(folder, drafts.MARKER_HEADER, message_id))


ACTIONS: dict[str, ActionSpec] = {
    "archive": mover("archive", role="archive"),
    "spam": mover("spam", role="junk", tier=Tier.HARD),
    "trash": mover("trash", role="trash"),
    "move_to": mover("move_to", role=None),
    "mark_read": flagger("mark_read", SEEN, "marked read"),
    "flag": flagger("flag", FLAGGED, "flagged"),
    "draft_reply": ActionSpec(
        "draft_reply",
        Tier.SOFT,
        draft_reply,
        takes_argument=True,
        undo=delete_draft,
        reconcile=_reconciler(draft_exists),
    ),
    "unsubscribe": ActionSpec("unsubscribe", Tier.IRREVERSIBLE, unsubscribe.unsubscribe),
}
