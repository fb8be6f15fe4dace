"""Dates as staff and delegates read them, in HTML with every stored or knowledge text escaped.

A date is shown as days only unless a time of day was set; then the start is given in
Bratislava and Tokyo by city name (bot/timefmt.py). What a visit adds depends on who reads:
staff see its status and the places taken, anybody else what the live answer shows.
"""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.kb.model import KnowledgeBase
from bot.lookups.dates import DateEntry
from bot.timefmt import when_text
from bot.visits.rules import VisitStatus


def _e(text: str) -> str:
    return escape(text, quote=False)


def place_name(kb: KnowledgeBase, place: str | None, lang: str) -> str | None:
    """A knowledge-base place's name in the language, else its id, else None."""
    if not place:
        return None
    record = kb.records.get(place)
    return record.name.get(lang, place) if record is not None else place


def status_label(t: Translator, status: str) -> str:
    """A visit status in words (the coordinators' labels)."""
    labels = {
        VisitStatus.DRAFT: t.pgettext("visit status", "draft"),
        VisitStatus.OPEN: t.pgettext("visit status", "open for registration"),
        VisitStatus.CLOSED: t.pgettext("visit status", "registration closed"),
        # Translators: also shown after knowledge-base meetings, so use a
        # form that agrees with any noun (sk "ukončené", not "minulá").
        VisitStatus.PAST: t.pgettext("visit status", "past"),
    }
    return labels.get(VisitStatus(status), status) if status in set(VisitStatus) else status


def when_where(t: Translator, kb: KnowledgeBase, entry: DateEntry) -> str:
    """Plain text: the days (and start time, if set) and the host city."""
    when = when_text(t, entry.start, entry.end, starts_at=entry.starts_at, host_zone=entry.zone)
    where = place_name(kb, entry.place, t.lang)
    if not where:
        return when
    return t.pgettext("visit dates and place", "{dates}, {place}").format(dates=when, place=where)


def visit_lines(t: Translator, entry: DateEntry, *, staff: bool) -> list[str]:
    """Plain text lines a visit adds under its dates, for staff or for anybody."""
    visit = entry.visit
    if visit is None:
        return []
    lines = []
    if staff:
        lines.append(t.gettext("Status: {status}").format(status=status_label(t, visit.status)))
        lines.append(
            t.ngettext(
                "{held} of {capacity} place taken",
                "{held} of {capacity} places taken",
                visit.capacity,
            ).format(held=visit.held, capacity=visit.capacity)
        )
    elif visit.places_left <= 0:
        lines.append(t.gettext("The visit is full: if you register, you go on the waiting list."))
    else:
        lines.append(
            t.ngettext(
                "{count} place left of {capacity}.",
                "{count} places left of {capacity}.",
                visit.places_left,
            ).format(count=t.number(visit.places_left), capacity=t.number(visit.capacity))
        )
    if visit.deadline is not None:
        lines.append(t.gettext("Registration until: {date}").format(date=t.date(visit.deadline)))
    else:
        lines.append(t.gettext("Registration until the visit starts"))
    return lines


def entry_html(t: Translator, kb: KnowledgeBase, entry: DateEntry, *, staff: bool) -> str:
    """One date as a short block: title in bold, then when and where, then the visit's lines."""
    lines = [f"<b>{_e(entry.title(t.lang))}</b>", _e(when_where(t, kb, entry))]
    lines.extend(_e(line) for line in visit_lines(t, entry, staff=staff))
    return "\n".join(lines)


def dates_html(
    t: Translator,
    kb: KnowledgeBase,
    upcoming: list[DateEntry],
    earlier: list[DateEntry],
    *,
    staff: bool,
) -> str:
    """/dates: the upcoming dates, then the earlier ones; says so when there are none."""
    parts = ["<b>" + _e(t.gettext("Upcoming")) + "</b>"]
    if upcoming:
        parts.extend(entry_html(t, kb, e, staff=staff) for e in upcoming)
    else:
        parts.append(_e(t.gettext("No upcoming dates are recorded.")))
    if earlier:
        parts.append("<b>" + _e(t.gettext("Earlier")) + "</b>")
        parts.extend(entry_html(t, kb, e, staff=staff) for e in earlier)
    if not staff and any(e.visit is not None for e in upcoming):
        parts.append(_e(t.gettext("To register for an open visit, send /register.")))
    return "\n\n".join(parts)


def entry_summary(t: Translator, kb: KnowledgeBase, entry: DateEntry, *, staff: bool) -> str:
    """One line of plain text about a date (an inline result's description)."""
    return " · ".join([when_where(t, kb, entry), *visit_lines(t, entry, staff=staff)])
