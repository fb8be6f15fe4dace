"""Test data for visits: one open visit in Tokorozawa, and people who register for it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Registration, Visit
from bot.visits import service

Sessions = async_sessionmaker[AsyncSession]

START, END = date(2027, 5, 20), date(2027, 5, 23)
COORDINATOR = 900
TITLES = {
    "en": "Study visit to Tokorozawa",
    "sk": "Študijná návšteva v Tokorozawe",
    "ja": "所沢市視察訪問",
}


def visit_fields(**overrides: Any) -> dict[str, Any]:
    """A valid visit's fields, with overrides."""
    fields: dict[str, Any] = {
        "titles": dict(TITLES),
        "host_city": "tokorozawa",
        "venue": "Tokorozawa City Hall",
        "timezone": "Asia/Tokyo",
        "start_date": START,
        "end_date": END,
        "capacity": 10,
        "registration_deadline": date(2027, 5, 1),
        "roles": ["delegate", "expert", "interpreter", "press", "other"],
        "created_by": COORDINATOR,
    }
    return fields | overrides


async def open_visit(sessions: Sessions, now: datetime, **overrides: Any) -> Visit:
    """Create a visit and open it for registration."""
    async with sessions.begin() as session:
        visit = await service.create_visit(session, **visit_fields(**overrides), now=now)
        return await service.set_visit_status(session, visit.id, "open", now)


def answers(person: int, **overrides: Any) -> dict[str, Any]:
    """A person's valid answers for register(), without visit_id and now."""
    fields: dict[str, Any] = {
        "telegram_id": person,
        "lang": "en",
        "full_name": f"Person {person}",
        "organisation": "City of Bratislava",
        "city": "Bratislava",
        "role": "delegate",
        "arrival": START,
        "departure": END,
        "dietary": None,
        "accessibility": None,
        "email": None,
    }
    return fields | overrides


async def register(
    sessions: Sessions, visit_id: int, person: int, now: datetime, **overrides: Any
) -> Registration:
    """Register a person in a unit of work of their own, as a handler does."""
    async with sessions.begin() as session:
        return await service.register(
            session, visit_id=visit_id, now=now, **answers(person, **overrides)
        )


async def visit_row(sessions: Sessions, visit_id: int) -> Visit:
    """The visit as stored."""
    async with sessions() as session:
        visit = await service.get_visit(session, visit_id)
        assert visit is not None
        return visit


async def statuses(sessions: Sessions, visit_id: int) -> dict[int | None, str]:
    """Each person's registration status for the visit (latest registration wins)."""
    async with sessions() as session:
        rows = await session.scalars(
            select(Registration).where(Registration.visit_id == visit_id).order_by(Registration.id)
        )
        return {r.telegram_id: r.status for r in rows}
