"""``max_concurrency`` per LLM profile, across every worker process (docs/LLM.md).

Slots are rows in :class:`~orchestrator.models.LLMLease`. A caller first announces itself with a
``waiting`` row, then takes a slot (``holding``) when fewer than the limit are held and no better
waiter is ahead of it: waiters are served by (priority, arrival). Priority ≤ 2 work (chat, approved
actions) may use one slot beyond the limit, so a chat turn never waits behind a long
classification. A caller that gets no slot within a few seconds gets :class:`LLMBusy` (not
permanent, with ``retry_after_s``), which the queue turns into a re-queue with ``not_before``
instead of holding a worker.

Leases expire (a holder's after the call's total-time cap, a waiter's unless it keeps polling), and
rows of a process that is gone from this host are reclaimed at once, so a killed worker frees its
slot. A waiter sleeps on a doorbell that every release rings (``llm.<profile>``), so it takes a
freed slot at once; it polls only as a safety net (or every :data:`POLL_S` without a doorbell).

A batch of calls in one thread (a classify task's share of its items) takes its slot once with
:func:`holding`: every :func:`slot` inside it on the same profile reuses that slot with no round
trip, and only extends its expiry when the remaining time would not cover one more call.
"""

from __future__ import annotations

import contextvars
import os
import random
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from orchestrator.doorbell import Doorbell, ring_on_commit
from orchestrator.llm.errors import LLMBusy
from orchestrator.models import LLMLease, LLMProfile

SLOT_WAIT_S = 5.0
POLL_S = 0.1  # waiters without a working doorbell (orchestrator/doorbell.py)
WOKEN_SAFETY_POLL_S = 1.0  # waiters with one: a release rings them; this only covers lost rings
WAITER_TTL_S = 10.0
INTERACTIVE_PRIORITY = 2  # this priority and better may use one slot beyond max_concurrency
BUSY_RETRY_S = (5.0, 15.0)

HOST = socket.gethostname()[:200]


def slot_limit(profile: LLMProfile, priority: int) -> int:
    return profile.max_concurrency + (1 if priority <= INTERACTIVE_PRIORITY else 0)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return False


def _is_stale(row: LLMLease, now: datetime) -> bool:
    if row.expires_at <= now:
        return True
    return row.host == HOST and row.pid != os.getpid() and _process_gone(row.pid)


def _may_take(rows: list[LLMLease], me: LLMLease, limit: int) -> bool:
    holding = sum(1 for r in rows if r.state == LLMLease.State.HOLDING)
    ahead = any(
        r.state == LLMLease.State.WAITING and (r.priority, r.pk) < (me.priority, me.pk)
        for r in rows
        if r.pk != me.pk
    )
    return holding < limit and not ahead


def _try_claim(profile: LLMProfile, me: LLMLease, *, limit: int, hold_s: float) -> bool:
    now = timezone.now()
    rows = list(LLMLease.objects.filter(profile=profile))
    live = [r for r in rows if not _is_stale(r, now)]
    if not _may_take(live, me, limit):
        return False
    # Re-check under a lock: the profile row serialises claims on PostgreSQL; on SQLite the
    # IMMEDIATE transaction already holds the write lock.
    with transaction.atomic():
        LLMProfile.objects.select_for_update().filter(pk=profile.pk).first()
        now = timezone.now()
        rows = list(LLMLease.objects.filter(profile=profile))
        stale = [r.pk for r in rows if r.pk != me.pk and _is_stale(r, now)]
        if stale:
            LLMLease.objects.filter(pk__in=stale).delete()
        live = [r for r in rows if r.pk not in stale]
        if not _may_take(live, me, limit):
            return False
        taken = LLMLease.objects.filter(pk=me.pk).update(
            state=LLMLease.State.HOLDING, expires_at=now + timedelta(seconds=hold_s)
        )
        return taken == 1


def acquire(profile: LLMProfile, *, priority: int, hold_s: float, wait_s: float = SLOT_WAIT_S) -> str:
    """Take a slot on *profile* and return its token, or raise :class:`LLMBusy` after *wait_s*."""
    return _acquire(profile, priority=priority, hold_s=hold_s, wait_s=wait_s).token


def _acquire(profile: LLMProfile, *, priority: int, hold_s: float, wait_s: float) -> LLMLease:
    now = timezone.now()
    me = LLMLease.objects.create(
        profile=profile,
        token=uuid.uuid4().hex,
        state=LLMLease.State.WAITING,
        priority=priority,
        host=HOST,
        pid=os.getpid(),
        created_at=now,
        expires_at=now + timedelta(seconds=WAITER_TTL_S),
    )
    limit = slot_limit(profile, priority)
    give_up = time.monotonic() + wait_s
    refresh_at = time.monotonic() + WAITER_TTL_S / 3
    bell: Doorbell | None = None
    try:
        while not _try_claim(profile, me, limit=limit, hold_s=hold_s):
            if time.monotonic() >= give_up:
                held = LLMLease.objects.filter(profile=profile, state=LLMLease.State.HOLDING).count()
                raise LLMBusy(
                    f"LLM profile {profile.name!r} has no free slot after {wait_s:.0f}s "
                    f"(max_concurrency={profile.max_concurrency}, {held} running); try again later",
                    retry_after_s=random.uniform(*BUSY_RETRY_S),  # noqa: S311 - jitter, not secrets
                )
            if time.monotonic() >= refresh_at:
                LLMLease.objects.filter(pk=me.pk).update(
                    expires_at=timezone.now() + timedelta(seconds=WAITER_TTL_S)
                )
                refresh_at = time.monotonic() + WAITER_TTL_S / 3
            if bell is None:  # opened only by a waiter; a release rings it (try again at once)
                bell = Doorbell(_wake_topic(profile.pk))
                continue  # a slot freed while the bell was opening rang nobody: look once more
            if bell.working:
                bell.wait(min(WOKEN_SAFETY_POLL_S, max(0.0, give_up - time.monotonic())))
            else:
                time.sleep(POLL_S * random.uniform(0.5, 1.5))  # noqa: S311 - jitter
    except BaseException:
        LLMLease.objects.filter(pk=me.pk).delete()
        raise
    finally:
        if bell is not None:
            bell.close()
    return me


def _wake_topic(profile_pk: int) -> str:
    return f"llm.{profile_pk}"


def release(token: str, *, profile_pk: int | None = None) -> None:
    """Give the slot back and wake a waiter (one query when the caller knows the profile)."""
    if profile_pk is None:
        profile_pk = LLMLease.objects.filter(token=token).values_list("profile_id", flat=True).first()
    LLMLease.objects.filter(token=token).delete()
    if profile_pk is not None:
        ring_on_commit(_wake_topic(profile_pk))  # a waiter takes the slot now, not at its next poll


@dataclass
class _Held:
    profile_pk: int
    token: str = ""  # empty until the first call inside :func:`holding` takes the slot
    expires: float = 0.0  # time.monotonic() when the row's expires_at passes


_held: contextvars.ContextVar[_Held | None] = contextvars.ContextVar("steward_llm_slot", default=None)


@contextmanager
def holding(profile: LLMProfile) -> Iterator[None]:
    """Keep the slot of the first call inside the block for every later call on *profile* in this
    thread (or context), and give it back at the end; see the module doc. Takes nothing until a
    call needs it, so a batch the rules answered entirely costs no round trip."""
    if _reusable(profile) is not None:
        yield
        return
    held = _Held(profile.pk)
    reset = _held.set(held)
    try:
        yield
    finally:
        _held.reset(reset)
        if held.token:
            release(held.token, profile_pk=profile.pk)


def _reusable(profile: LLMProfile) -> _Held | None:
    held = _held.get()
    return held if held is not None and held.profile_pk == profile.pk else None


def take_if_free(profile: LLMProfile, *, priority: int, hold_s: float) -> bool:
    """Inside :func:`holding`: take its slot now if one is free (no better waiter ahead), without
    waiting; False when none is — then nothing is held and no call was made or accounted.

    For helpers beyond a task's fair share of the slots (a classify batch's extra threads): they
    use slots nobody else wants, and never hold a waiting worker of another process back.
    """
    held = _reusable(profile)
    if held is None:
        raise RuntimeError("take_if_free() is only for inside holding()")
    if held.token:
        return True
    # One read first: when every slot is held, as in a busy run, that is all it costs.
    held_now = LLMLease.objects.filter(
        profile=profile, state=LLMLease.State.HOLDING, expires_at__gt=timezone.now()
    ).count()
    if held_now >= slot_limit(profile, priority):
        return False
    try:
        held.token = _acquire(profile, priority=priority, hold_s=2 * hold_s, wait_s=0).token
    except LLMBusy:
        return False
    held.expires = time.monotonic() + 2 * hold_s
    return True


def _keep(held: _Held, profile: LLMProfile, *, priority: int, hold_s: float, wait_s: float) -> None:
    """Take the held slot (first call) or keep its row alive for one more call of up to *hold_s*.

    Taken and extended for two calls' worth, so a batch extends it once per *hold_s* of elapsed
    time, not once per call."""
    if not held.token:
        held.token = _acquire(profile, priority=priority, hold_s=2 * hold_s, wait_s=wait_s).token
        held.expires = time.monotonic() + 2 * hold_s
        return
    if held.expires - time.monotonic() >= hold_s:
        return
    LLMLease.objects.filter(token=held.token).update(
        expires_at=timezone.now() + timedelta(seconds=2 * hold_s)
    )
    held.expires = time.monotonic() + 2 * hold_s


@contextmanager
def slot(profile: LLMProfile, *, priority: int, hold_s: float, wait_s: float = SLOT_WAIT_S) -> Iterator[None]:
    """Hold a slot on *profile* for the duration of the block (the one :func:`holding` took, if any)."""
    held = _reusable(profile)
    if held is not None:
        _keep(held, profile, priority=priority, hold_s=hold_s, wait_s=wait_s)
        yield
        return
    token = acquire(profile, priority=priority, hold_s=hold_s, wait_s=wait_s)
    try:
        yield
    finally:
        release(token, profile_pk=profile.pk)
