"""The dates staff look up: the knowledge base's meetings and events, and the visits stored.

Two audiences read them. Staff and coordinators see every visit (drafts, closed and past
ones, with the places taken); anybody else sees what is public anyway: the knowledge base's
events and the visits open for registration (as the live answer to "when is the next
visit?" shows them). Upcoming dates come first, soonest first; then the earlier ones, the
most recent first, because the last meeting is what people ask about next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kb.model import KnowledgeBase
from bot.lookups.fuzzy import FuzzyIndex
from bot.visits.catalogue import list_visits
from bot.visits.live import open_for_registration
from bot.visits.rules import VisitStatus

MAX_EARLIER = 10  # earlier dates shown; the oldest meetings matter least


@dataclass(frozen=True)
class VisitFacts:
    """What a date that is a stored visit adds: its status and places."""

    id: int
    status: str
    capacity: int
    held: int
    deadline: date | None  # the last day to register, in the host city; None: until it starts

    @property
    def places_left(self) -> int:
        """Free places (never below zero)."""
        return max(self.capacity - self.held, 0)


@dataclass(frozen=True)
class DateEntry:
    """One dated thing: a knowledge-base event or a visit, in its host city's calendar."""

    key: str  # "event:<record id>" or "visit:<id>"
    titles: Mapping[str, str]
    start: date
    end: date
    zone: str  # IANA, the host city's
    place: str | None  # a knowledge-base place id
    starts_at: datetime | None = None  # only when a time of day was set
    visit: VisitFacts | None = None
    aliases: tuple[str, ...] = field(default=(), compare=False)

    def title(self, lang: str) -> str:
        """The title in lang, else English, else any language's."""
        return self.titles.get(lang) or self.titles.get("en") or next(iter(self.titles.values()))

    def upcoming(self, now: datetime) -> bool:
        """Whether it has not ended yet in its host city (an ongoing meeting is upcoming)."""
        return self.end >= now.astimezone(ZoneInfo(self.zone)).date()


def knowledge_dates(kb: KnowledgeBase) -> list[DateEntry]:
    """The knowledge base's events, with a start time only where the record sets one."""
    entries = []
    for record in kb.records.values():
        if record.collection != "events":
            continue
        fields = record.fields
        start: date = fields["start"]
        clock: time | None = fields.get("time")
        zone = fields["timezone"]
        entries.append(
            DateEntry(
                key=f"event:{record.id}",
                titles=dict(record.name),
                start=start,
                end=fields.get("end") or start,
                zone=zone,
                place=fields.get("place"),
                starts_at=datetime.combine(start, clock, ZoneInfo(zone)) if clock else None,
                aliases=tuple(a for al in record.aliases.values() for a in al),
            )
        )
    return entries


async def visit_dates(session: AsyncSession, now: datetime, *, staff: bool) -> list[DateEntry]:
    """Stored visits: all of them for staff, else only those open for registration now."""
    if not staff:
        return [
            DateEntry(
                key=f"visit:{v.id}",
                titles=v.titles,
                start=v.start_date,
                end=v.end_date,
                zone=v.timezone,
                place=v.host_city,
                visit=VisitFacts(
                    v.id,
                    VisitStatus.OPEN.value,
                    v.capacity,
                    held=v.capacity - v.places_left,
                    deadline=v.deadline,
                ),
            )
            for v in await open_for_registration(session, now)
        ]
    return [
        DateEntry(
            key=f"visit:{v.id}",
            titles=dict(v.titles),
            start=v.start_date,
            end=v.end_date,
            zone=v.timezone,
            place=v.host_city,
            visit=VisitFacts(v.id, v.status, v.capacity, v.held, v.registration_deadline),
        )
        for v in await list_visits(session)
    ]


def arrange(
    entries: Iterable[DateEntry], now: datetime, earlier: int = MAX_EARLIER
) -> tuple[list[DateEntry], list[DateEntry]]:
    """(upcoming soonest first, earlier most recent first, at most `earlier` of them)."""
    ahead, past = [], []
    for entry in entries:
        (ahead if entry.upcoming(now) else past).append(entry)
    ahead.sort(key=lambda e: (e.start, e.end, e.key))
    past.sort(key=lambda e: (e.end, e.start, e.key), reverse=True)
    return ahead, past[:earlier]


def search(
    entries: list[DateEntry], place_names: Mapping[str, Iterable[str]], query: str
) -> list[DateEntry]:
    """The entries a query fits: by title in any language, alias, or the host city's names."""
    index = FuzzyIndex()
    for number, entry in enumerate(entries):
        names = [*entry.titles.values(), *entry.aliases, *place_names.get(entry.place or "", ())]
        index.add(number, names)
    return [entries[int(h.key)] for h in index.search(query)]  # type: ignore[call-overload]
