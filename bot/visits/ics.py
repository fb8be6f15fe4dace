"""Calendar files (RFC 5545) for a registration: the stay as an all-day event, with an alarm."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.db.models import Registration, Visit

PRODID = "-//IUC partnership assistant//iuc-bot//EN"
UID_DOMAIN = "iuc-bot"
LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma, and newlines as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets of UTF-8, never inside a character (RFC 5545 3.1)."""
    pieces: list[str] = []
    current, size = [], 0
    limit = LINE_OCTETS
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            pieces.append("".join(current))
            # Continuation lines begin with one space, which counts toward their 75 octets.
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(ch)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def visit_ics(
    visit: Visit,
    registration: Registration | None,
    *,
    lang: str,
    now: datetime,
    alarm_days: int = 1,
    place: str | None = None,
    description: str | None = None,
    cancelled: bool = False,
) -> bytes:
    """A VCALENDAR with one all-day VEVENT: the person's stay, or the visit without one.

    `place` is the host city's name in `lang` (the knowledge base knows it; we store its id);
    `description` is optional localized text for the event's notes. `cancelled`: the same
    event (UID) as METHOD:CANCEL / STATUS:CANCELLED, so calendars remove what they imported.
    """
    if alarm_days < 0:
        raise ValueError("alarm_days must not be negative")
    if registration is not None:
        uid = f"registration-{registration.id}@{UID_DOMAIN}"
        first, last = registration.arrival, registration.departure
    else:
        uid = f"visit-{visit.id}@{UID_DOMAIN}"
        first, last = visit.start_date, visit.end_date
    title = visit.title(lang)
    location = f"{visit.venue}, {place or visit.host_city.replace('-', ' ').title()}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:CANCEL" if cancelled else "METHOD:PUBLISH",
        # All-day dates are floating; the zone tells calendar apps whose days these are.
        f"X-WR-TIMEZONE:{visit.timezone}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}",
        # A date change bumps the revision, so calendars replace the event they imported.
        f"SEQUENCE:{visit.date_revision}",
        f"DTSTART;VALUE=DATE:{_day(first)}",
        f"DTEND;VALUE=DATE:{_day(last + timedelta(days=1))}",  # DTEND is exclusive
        f"SUMMARY:{escape_text(title)}",
        f"LOCATION:{escape_text(location)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if cancelled:
        lines += ["STATUS:CANCELLED", "END:VEVENT", "END:VCALENDAR"]
    else:
        lines += [
            "STATUS:CONFIRMED",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(title)}",
            f"TRIGGER:-P{alarm_days}D",
            "END:VALARM",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()
