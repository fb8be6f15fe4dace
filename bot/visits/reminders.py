"""Reminders before a visit: computed from the database at any time, claimed once, sent once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Registration, ReminderSent, Visit
from bot.visits.results import Reminder
from bot.visits.rules import RegistrationStatus, VisitStatus
from bot.visits.store import insert_for, local_moment, starts_at

DEFAULT_DAYS = (7, 1)
_LIVE = (VisitStatus.OPEN.value, VisitStatus.CLOSED.value)
_CONFIRMED = RegistrationStatus.CONFIRMED.value


def reminder_kind(days: int, date_revision: int) -> str:
    """The claim kind: "7d"; "7d:2" once the dates changed twice, so new dates remind again."""
    return f"{days}d" if date_revision == 0 else f"{days}d:{date_revision}"


def _moments(visit: Visit, days: Iterable[int]) -> list[tuple[int, datetime]]:
    # 09:00 in the host city, N days before the first day; the nearest reminder first.
    return [
        (n, local_moment(visit, visit.start_date - timedelta(days=n)))
        for n in sorted(set(days))
        if n > 0
    ]


async def due_reminders(
    session: AsyncSession, now: datetime, days: Iterable[int] = DEFAULT_DAYS
) -> list[Reminder]:
    """Reminders due now for confirmed registrations, not yet claimed, soonest visit first.

    Only the nearest due reminder counts: a bot that was down for the 7-day reminder and
    comes back 2 days before sends that one (render the real dates, not "in 7 days"), and one
    whose moment passed before the person registered (or the dates changed) is skipped.
    """
    days = tuple(days)
    if not days:
        return []
    horizon = now.date() + timedelta(days=max(days) + 2)
    rows = (
        await session.execute(
            select(Registration, Visit)
            .join(Visit, Registration.visit_id == Visit.id)
            .where(
                Visit.status.in_(_LIVE),
                Visit.start_date >= now.date() - timedelta(days=1),
                Visit.start_date <= horizon,
                Registration.status == _CONFIRMED,
                Registration.telegram_id.is_not(None),
            )
            .order_by(Visit.start_date, Visit.id, Registration.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    claimed = await _claimed(session, [r.id for r, _ in rows])
    due: list[Reminder] = []
    for registration, visit in rows:
        if now >= starts_at(visit):
            continue
        passed = [(n, at) for n, at in _moments(visit, days) if at <= now]
        if not passed:
            continue
        n, at = passed[0]
        anchor = max(registration.created_at, visit.dates_changed_at or registration.created_at)
        if at < anchor:
            continue
        kind = reminder_kind(n, visit.date_revision)
        if (registration.id, kind) in claimed:
            continue
        assert registration.telegram_id is not None
        person = registration.telegram_id
        due.append(Reminder(registration.id, person, registration.lang, kind, n, at, visit))
    return due


async def _claimed(session: AsyncSession, registration_ids: list[int]) -> set[tuple[int, str]]:
    if not registration_ids:
        return set()
    rows = await session.execute(
        select(ReminderSent.registration_id, ReminderSent.kind).where(
            ReminderSent.registration_id.in_(registration_ids)
        )
    )
    return {(rid, kind) for rid, kind in rows.all()}


async def next_reminder_at(
    session: AsyncSession, now: datetime, days: Iterable[int] = DEFAULT_DAYS
) -> datetime | None:
    """The next moment after now at which a reminder falls due, for scheduling a job."""
    visits = await session.scalars(
        select(Visit).where(
            Visit.status.in_(_LIVE),
            Visit.start_date >= now.date() - timedelta(days=1),
            exists().where(Registration.visit_id == Visit.id, Registration.status == _CONFIRMED),
        )
    )
    upcoming = [
        at for visit in visits for _, at in _moments(visit, days) if now < at < starts_at(visit)
    ]
    return min(upcoming, default=None)


async def claim_reminder(
    session: AsyncSession, registration_id: int, kind: str, now: datetime
) -> bool:
    """Claim a reminder or notice; True only for the one caller whose row went in."""
    insert = insert_for(session)
    # RETURNING rather than rowcount: through SQLAlchemy, psycopg reports -1 for this INSERT
    # whether or not a row went in. A concurrent claimer waits for ours to commit, then
    # inserts nothing (or inserts, if ours rolled back).
    claimed = await session.scalar(
        insert(ReminderSent)
        .values(registration_id=registration_id, kind=kind, sent_at=now)
        .on_conflict_do_nothing(index_elements=[ReminderSent.registration_id, ReminderSent.kind])
        .returning(ReminderSent.registration_id)
    )
    return claimed is not None
