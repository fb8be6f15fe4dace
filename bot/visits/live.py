"""The visits open for registration, as the live answer to "when is the next visit?".

Read from the database when the question is asked, so the places left and the deadline are
those of the moment; rendered as plain text in the asker's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Visit
from bot.i18n import Translator
from bot.timefmt import when_text
from bot.visits.catalogue import open_visits
from bot.visits.dates import deadline_text
from bot.visits.store import local_today


@dataclass(frozen=True)
class OpenVisit:
    """A visit taking registrations now, with its places left and last day to register."""

    id: int
    titles: dict[str, str]
    host_city: str  # a knowledge-base place id
    timezone: str  # IANA, the host city's
    start_date: date
    end_date: date
    capacity: int
    places_left: int
    deadline: date  # the last day to register, in the host city

    def title(self, lang: str) -> str:
        """The title in lang, else English, else any language's."""
        return self.titles.get(lang) or self.titles.get("en") or next(iter(self.titles.values()))

    @property
    def full(self) -> bool:
        """Whether a new registration goes on the waiting list."""
        return self.places_left <= 0


async def open_for_registration(session: AsyncSession, now: datetime) -> list[OpenVisit]:
    """The visits one can register for at `now`, soonest first."""
    # A deadline is a day in the host city, which may be a day behind UTC: ask for a day
    # more, then keep what is still open there.
    visits = await open_visits(session, (now - timedelta(days=1)).date())
    return [_open_visit(v) for v in visits if local_today(v, now) <= _last_day(v)]


def _last_day(visit: Visit) -> date:
    # Without a deadline, registration closes when the visit starts (as registry.check_open).
    return visit.registration_deadline or visit.start_date


def _open_visit(visit: Visit) -> OpenVisit:
    return OpenVisit(
        id=visit.id,
        titles=dict(visit.titles),
        host_city=visit.host_city,
        timezone=visit.timezone,
        start_date=visit.start_date,
        end_date=visit.end_date,
        capacity=visit.capacity,
        places_left=max(visit.capacity - visit.held, 0),
        deadline=_last_day(visit),
    )


def open_visits_text(
    t: Translator,
    visits: list[OpenVisit],
    place: Callable[[str], str | None],
    *,
    buttons: bool,
) -> str:
    """The open visits as plain text; `place` names a host city in the translator's language.

    `buttons`: whether a registration button per visit goes with the text (Telegram), or the
    reader is told to use /register (`iuc-bot ask`).
    """
    count = len(visits)
    parts = [
        t.ngettext(
            "{count} visit is open for registration:",
            "{count} visits are open for registration:",
            count,
        ).format(count=t.number(count))
    ]
    for visit in visits:
        where = place(visit.host_city)
        when = when_text(t, visit.start_date, visit.end_date)
        if where:
            when = t.pgettext("visit dates and place", "{dates}, {place}").format(
                dates=when, place=where
            )
        lines = [f"• {visit.title(t.lang)}", when]
        if visit.full:
            lines.append(
                t.gettext("The visit is full: if you register, you go on the waiting list.")
            )
        else:
            lines.append(
                t.ngettext(
                    "{count} place left of {capacity}.",
                    "{count} places left of {capacity}.",
                    visit.places_left,
                ).format(count=t.number(visit.places_left), capacity=t.number(visit.capacity))
            )
        lines.append(
            t.gettext("Registration is open until {moment}.").format(
                moment=deadline_text(t, visit.deadline, visit.timezone)
            )
        )
        parts.append("\n".join(lines))
    if buttons:
        parts.append(t.gettext("To register, press the visit's button below."))
    else:
        parts.append(t.gettext("To register, send /register to the bot."))
    return "\n\n".join(parts)
