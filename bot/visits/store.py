"""Small storage helpers shared by the visit modules: upserts, guarded updates, local time."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Update, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Registration, Visit
from bot.visits.rules import RegistrationNotFound, VisitNotFound

REMINDER_HOUR = time(9, 0)  # reminders go out at 09:00 in the host city


def insert_for(session: AsyncSession) -> Any:
    """The dialect's insert(), which offers on_conflict_do_nothing / do_update."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"no upsert for the {dialect} dialect")


async def guarded(session: AsyncSession, stmt: Update) -> int:
    """Run an UPDATE whose WHERE is the precondition; return how many rows it changed.

    Check and write in one statement: on PostgreSQL a concurrent writer makes this one wait
    and re-check the WHERE on the new row; on SQLite writers are serialised anyway.
    """
    result = await session.execute(stmt.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def take_places(session: AsyncSession, visit_id: int, count: int = 1) -> bool:
    """Take `count` places of a visit if they are all free, in one guarded statement.

    Check and increment cannot be split by a concurrent registration (see `guarded`).
    """
    took = await guarded(
        session,
        update(Visit)
        .where(Visit.id == visit_id, Visit.held + count <= Visit.capacity)
        .values(held=Visit.held + count),
    )
    return took > 0


def zone(visit: Visit) -> ZoneInfo:
    """The visit's time zone."""
    return ZoneInfo(visit.timezone)


def local_today(visit: Visit, now: datetime) -> date:
    """Today's date in the host city."""
    return now.astimezone(zone(visit)).date()


def starts_at(visit: Visit) -> datetime:
    """Midnight at the start of the visit's first day, in the host city."""
    return datetime.combine(visit.start_date, time(0), zone(visit))


def local_moment(visit: Visit, day: date, at: time = REMINDER_HOUR) -> datetime:
    """A wall-clock moment in the host city, as an aware datetime."""
    return datetime.combine(day, at, zone(visit))


async def own_registration(
    session: AsyncSession, registration_id: int, telegram_id: int
) -> Registration:
    """The person's registration, freshly read; RegistrationNotFound when it is not theirs."""
    # Registration ids travel in callback data, which anyone could forge: check the owner.
    registration = await session.scalar(
        select(Registration)
        .where(Registration.id == registration_id, Registration.telegram_id == telegram_id)
        .execution_options(populate_existing=True)
    )
    if registration is None:
        raise RegistrationNotFound()
    return registration


async def fresh_visit(session: AsyncSession, visit_id: int) -> Visit:
    """The visit as stored now (held changes behind the ORM's back); VisitNotFound if none."""
    visit = await session.get(Visit, visit_id, populate_existing=True)
    if visit is None:
        raise VisitNotFound()
    return visit
