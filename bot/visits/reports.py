"""What coordinators see of a visit: counts, the people registered, rows for the CSV export."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Registration
from bot.visits.results import Stats
from bot.visits.rules import ANSWER_FIELDS, RegistrationStatus
from bot.visits.store import fresh_visit

EXPORT_COLUMNS = ("id", "status", *ANSWER_FIELDS, "lang", "created_at")


def _grouped(values: list[str | None]) -> dict[str, int]:
    # "Vegetarian" and "vegetarian " are one need; the first spelling seen names the group.
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for value in values:
        if not value:
            continue
        key = " ".join(value.split()).casefold()
        shown.setdefault(key, value)
        counts[key] += 1
    return {shown[key]: n for key, n in counts.most_common()}


async def registration_stats(session: AsyncSession, visit_id: int) -> Stats:
    """Counts by status (all registrations) and by role, city and diet (confirmed ones)."""
    visit = await fresh_visit(session, visit_id)
    rows = (
        await session.execute(
            select(
                Registration.status, Registration.role, Registration.city, Registration.dietary
            ).where(Registration.visit_id == visit_id)
        )
    ).all()
    by_status = {s.value: 0 for s in RegistrationStatus}
    by_status.update(Counter(status for status, *_ in rows))
    confirmed = [row for row in rows if row.status == RegistrationStatus.CONFIRMED]
    return Stats(
        visit_id=visit.id,
        capacity=visit.capacity,
        held=visit.held,
        by_status=by_status,
        by_role=dict(Counter(row.role for row in confirmed).most_common()),
        by_city=_grouped([row.city for row in confirmed]),
        by_dietary=_grouped([row.dietary for row in confirmed]),
    )


@dataclass(frozen=True)
class Person:
    """One registration as /registrations lists it."""

    full_name: str
    organisation: str | None
    status: str


# Who holds or awaits a place first, then who no longer does; the queue's order within each.
_LIST_ORDER = ("confirmed", "offered", "waitlisted", "withdrawn", "declined", "expired")


async def registered_people(session: AsyncSession, visit_id: int) -> list[Person]:
    """The visit's registrants with their organisation and status; VisitNotFound.

    Erased registrations (no name left) are counted by registration_stats, not listed.
    """
    await fresh_visit(session, visit_id)
    rows = (
        await session.execute(
            select(Registration.full_name, Registration.organisation, Registration.status)
            .where(Registration.visit_id == visit_id, Registration.full_name.is_not(None))
            .order_by(Registration.created_at, Registration.id)
        )
    ).all()
    people = [Person(name, organisation, status) for name, organisation, status in rows]
    rank = {status: i for i, status in enumerate(_LIST_ORDER)}
    return sorted(people, key=lambda p: rank.get(p.status, len(rank)))


async def export_rows(session: AsyncSession, visit_id: int) -> list[dict[str, Any]]:
    """One dict per registration of the visit (EXPORT_COLUMNS), oldest first; VisitNotFound."""
    await fresh_visit(session, visit_id)
    registrations = await session.scalars(
        select(Registration)
        .where(Registration.visit_id == visit_id)
        .order_by(Registration.created_at, Registration.id)
        .execution_options(populate_existing=True)
    )
    return [{name: getattr(r, name) for name in EXPORT_COLUMNS} for r in registrations]
