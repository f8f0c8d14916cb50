"""Rendering the audit log per day as markdown (` - HH:MM message`, local time)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from orchestrator.models.audit import AuditEntry


def day_file_name(day: date) -> str:
    return f"{day.isoformat()} {day.strftime('%A')}.md"


def entry_line(entry: AuditEntry) -> str:
    stamp = timezone.localtime(entry.at).strftime("%H:%M")
    marker = "⚠ " if entry.level == AuditEntry.Level.WARNING else ""
    text = " ".join(entry.message.split())  # one entry, one line
    return f" - {stamp} {marker}{text}"


def day_entries(day: date) -> list[AuditEntry]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return list(AuditEntry.objects.filter(at__gte=start, at__lt=start + timedelta(days=1)).order_by("seq"))


def render_day(day: date) -> str:
    lines = [f"# {day.isoformat()} {day.strftime('%A')}", ""]
    entries = day_entries(day)
    lines.extend(entry_line(e) for e in entries)
    if not entries:
        lines.append("Nothing happened.")
    return "\n".join(lines) + "\n"
