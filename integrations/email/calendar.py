"""Calendar invitations (iMIP, RFC 6047): the ``calendar.*`` snapshot fields of a message.

The iCalendar body is the authority: Yahoo sends ``Content-Type: ...; method=REQUEST`` around a
``METHOD:CANCEL`` body, and Google sends updated invitations without bumping ``SEQUENCE``, so an
update is also recognised by ``LAST-MODIFIED`` being later than ``CREATED``.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

logger = logging.getLogger(__name__)

_ROOM_TYPES = {"RESOURCE", "ROOM"}
_UPDATE_SLACK = timedelta(seconds=1)


def _moment(value: Any) -> str | None:
    """ISO 8601: UTC for timed values, a plain date for all-day ones; floating times read as UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC).isoformat()
        except (OverflowError, ValueError):
            return None
    if isinstance(value, date):
        return value.isoformat()
    return None


def _dt(component: Any, name: str) -> Any:
    prop = component.get(name)
    return getattr(prop, "dt", None) if prop is not None else None


def _address(value: Any) -> str:
    return str(value).strip().lower().removeprefix("mailto:").strip()


def _end(event: Any) -> Any:
    end = _dt(event, "DTEND")
    if end is not None:
        return end
    start, duration = _dt(event, "DTSTART"), _dt(event, "DURATION")
    if start is not None and isinstance(duration, timedelta):
        return start + duration
    return None


def _attendees(event: Any) -> list[Any]:
    found = event.get("ATTENDEE")
    if found is None:
        return []
    return list(found) if isinstance(found, list) else [found]


def _is_update(method: str | None, event: Any) -> bool:
    if method not in {None, "REQUEST", "PUBLISH"}:
        return False
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    created, modified = _dt(event, "CREATED"), _dt(event, "LAST-MODIFIED")
    if isinstance(created, datetime) and isinstance(modified, datetime):
        try:
            if modified - created > _UPDATE_SLACK:
                return True
        except TypeError:  # one naive, one aware
            pass
    return sequence > 0


def _partstat(method: str | None, attendees: list[Any], own: list[str]) -> str | None:
    """A REPLY's attendee answer; otherwise the status of the attendee who is us (a recipient)."""
    if method == "REPLY" and attendees:
        return str(attendees[0].params.get("PARTSTAT", "NEEDS-ACTION")).upper()
    by_address: dict[str, Any] = {}
    for attendee in attendees:
        by_address.setdefault(_address(attendee), attendee)
    for address in own:  # in order: the account's own address first, then the recipients
        if address in by_address:
            return str(by_address[address].params.get("PARTSTAT", "NEEDS-ACTION")).upper()
    return None


def calendar_fields(payloads: list[bytes], own_addresses: list[str]) -> dict[str, Any] | None:
    """The first parsable invitation's fields, or ``None`` when the message carries none."""
    if not payloads:
        return None
    import icalendar  # here, where a message carries an invitation: not in every process's start-up

    for payload in payloads:
        try:
            calendar = icalendar.Calendar.from_ical(payload)
            events = list(calendar.walk("VEVENT"))
        except Exception as exc:  # malformed iCalendar: try the next part (often the same invite)
            logger.debug("unparsable calendar part: %s", str(exc)[:200])
            continue
        if not events:
            continue
        event = events[0]
        method = str(calendar.get("METHOD", "")).strip().upper() or None
        attendees = _attendees(event)
        guests = [a for a in attendees if str(a.params.get("CUTYPE", "")).upper() not in _ROOM_TYPES]
        return {
            "method": method,
            "start": _moment(_dt(event, "DTSTART")),
            "end": _moment(_end(event)),
            "guest_count": len(guests),
            "is_update": _is_update(method, event),
            "partstat": _partstat(method, attendees, own_addresses),
        }
    return None
