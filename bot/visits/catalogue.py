"""Visits: created, opened, closed and changed by coordinators; listed for registration."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MAX_ROW_ID, Registration, Visit
from bot.visits.results import Notice, VisitChange
from bot.visits.rules import (
    ACTIVE_STATUSES,
    MAX_YEARS_AHEAD,
    STAY_WINDOW_DAYS,
    InvalidVisit,
    VisitNotOpen,
    VisitStatus,
    clean_visit,
    latest_start,
)
from bot.visits.rules import stay_window as stay_window_of
from bot.visits.store import fresh_visit, guarded
from bot.visits.waitlist import fill_free_places

# What change_visit may change; status has its own function.
CHANGEABLE = (
    "titles",
    "host_city",
    "venue",
    "timezone",
    "start_date",
    "end_date",
    "capacity",
    "registration_deadline",
    "roles",
)


async def create_visit(
    session: AsyncSession,
    *,
    titles: dict[str, str],
    host_city: str,
    venue: str,
    timezone: str,
    start_date: date,
    end_date: date,
    capacity: int,
    registration_deadline: date | None,
    roles: Iterable[str],
    created_by: int | None,
    now: datetime,
) -> Visit:
    """Store a new visit as a draft; InvalidVisit names the first field that breaks a rule."""
    fields = clean_visit(
        {
            "titles": titles,
            "host_city": host_city,
            "venue": venue,
            "timezone": timezone,
            "start_date": start_date,
            "end_date": end_date,
            "capacity": capacity,
            "registration_deadline": registration_deadline,
            "roles": list(roles),
        }
    )
    _check_start(fields["start_date"], now)
    visit = Visit(
        **fields,
        held=0,
        status=VisitStatus.DRAFT.value,
        date_revision=0,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(visit)
    await session.flush()
    return visit


def _check_start(start: date, now: datetime) -> None:
    if start > latest_start(now.date()):
        raise InvalidVisit("too_far", limit=MAX_YEARS_AHEAD)


async def get_visit(session: AsyncSession, visit_id: int) -> Visit | None:
    """The visit as stored now, or None."""
    if not 0 < visit_id <= MAX_ROW_ID:
        return None
    return await session.get(Visit, visit_id, populate_existing=True)


async def list_visits(
    session: AsyncSession, statuses: Sequence[VisitStatus | str] | None = None
) -> list[Visit]:
    """Every visit (or those with the given statuses), soonest first."""
    stmt = select(Visit).order_by(Visit.start_date, Visit.id)
    if statuses is not None:
        stmt = stmt.where(Visit.status.in_([VisitStatus(s).value for s in statuses]))
    return list(await session.scalars(stmt.execution_options(populate_existing=True)))


async def open_visits(session: AsyncSession, today: date) -> list[Visit]:
    """Visits taking registrations today: open, and neither past the deadline nor started."""
    stmt = (
        select(Visit)
        .where(
            Visit.status == VisitStatus.OPEN.value,
            or_(
                Visit.registration_deadline >= today,
                Visit.registration_deadline.is_(None) & (Visit.start_date >= today),
            ),
        )
        .order_by(Visit.start_date, Visit.id)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(stmt))


async def set_visit_status(
    session: AsyncSession, visit_id: int, status: VisitStatus | str, now: datetime
) -> Visit:
    """Open, close, or mark a visit past (or back to draft); VisitNotFound when unknown.

    A cancelled visit stays cancelled (VisitNotOpen): its registrants were released and told.
    """
    value = VisitStatus(status).value
    if value == VisitStatus.CANCELLED:
        # Cancelling releases the registrations too: cancellation.cancel_visit does it.
        raise ValueError("a visit becomes 'cancelled' through cancel_visit only")
    done = await guarded(
        session,
        update(Visit)
        .where(Visit.id == visit_id, Visit.status != VisitStatus.CANCELLED.value)
        .values(status=value, updated_at=now),
    )
    if not done:
        visit = await fresh_visit(session, visit_id)  # raises VisitNotFound
        raise VisitNotOpen(visit.status)
    return await fresh_visit(session, visit_id)


async def change_visit(
    session: AsyncSession,
    visit_id: int,
    *,
    now: datetime,
    offer_hours: int = 48,
    stay_window: int = STAY_WINDOW_DAYS,
    **fields: Any,
) -> VisitChange:
    """Change a visit's fields; returns who to notify when the dates moved, and new offers."""
    unknown = set(fields) - set(CHANGEABLE)
    if unknown:
        raise TypeError(f"change_visit() cannot change {', '.join(sorted(unknown))}")
    visit = await fresh_visit(session, visit_id)
    merged = {name: getattr(visit, name) for name in CHANGEABLE} | fields
    cleaned = clean_visit(merged)
    if cleaned["start_date"] != visit.start_date:
        _check_start(cleaned["start_date"], now)
    if cleaned["capacity"] < visit.held:
        # Shrinking below the places already held would mean taking places back from people.
        raise InvalidVisit("capacity_below_held", limit=visit.held)
    old_start, old_end = visit.start_date, visit.end_date
    dates_changed = (cleaned["start_date"], cleaned["end_date"]) != (old_start, old_end)
    values: dict[str, Any] = dict(cleaned, updated_at=now)
    if dates_changed:
        values |= {"date_revision": Visit.date_revision + 1, "dates_changed_at": now}
    # held stays out of the statement: only the atomic place-taking updates move it. A place
    # taken since the read above is seen by the WHERE (PostgreSQL re-checks it on the row
    # it waited for), so the answer is the same refusal, not the CHECK's IntegrityError.
    done = await guarded(
        session,
        update(Visit)
        .where(Visit.id == visit_id, Visit.held <= cleaned["capacity"])
        .values(**values),
    )
    if not done:
        visit = await fresh_visit(session, visit_id)
        raise InvalidVisit("capacity_below_held", limit=visit.held)
    visit = await fresh_visit(session, visit_id)

    notify: list[Notice] = []
    if dates_changed:
        active = await session.scalars(
            select(Registration)
            .where(
                Registration.visit_id == visit_id,
                Registration.status.in_([s.value for s in ACTIVE_STATUSES]),
                Registration.telegram_id.is_not(None),
            )
            .order_by(Registration.id)
            .execution_options(populate_existing=True)
        )
        for r in active:
            first, last = stay_window_of(visit, stay_window)
            fits = first <= r.arrival and r.departure <= last
            assert r.telegram_id is not None
            notify.append(Notice(r.telegram_id, r.lang, r.id, fits))
    offers = []
    if cleaned["capacity"] > visit.held:
        offers = await fill_free_places(session, visit_id, now, offer_hours)
        visit = await fresh_visit(session, visit_id)
    return VisitChange(
        visit=visit,
        dates_changed=dates_changed,
        old_start=old_start if dates_changed else None,
        old_end=old_end if dates_changed else None,
        notify=notify,
        offers=offers,
    )


async def mark_past(session: AsyncSession, today: date) -> int:
    """Mark every visit that ended before today as past; returns how many changed."""
    return await guarded(
        session,
        update(Visit)
        .where(
            Visit.status.not_in([VisitStatus.PAST.value, VisitStatus.CANCELLED.value]),
            Visit.end_date < today,
        )
        .values(status=VisitStatus.PAST.value),
    )
