"""Calling a visit off: every registration released in one unit of work, who to tell returned.

The registrations stay (withdrawn), so the coordinators' counts and the registrants'
/myvisits still show what happened; the places are all released (held 0) and nobody is
offered one any more. The date revision is bumped, so the calendar file that cancels the
event carries a higher SEQUENCE than the one that added it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Registration, Visit
from bot.visits.rules import ACTIVE_STATUSES, RegistrationStatus, VisitNotOpen, VisitStatus
from bot.visits.store import fresh_visit, guarded

_ACTIVE = [s.value for s in ACTIVE_STATUSES]
# A visit that is over, or already called off, cannot be called off.
_FINAL = [VisitStatus.PAST.value, VisitStatus.CANCELLED.value]


@dataclass(frozen=True)
class Released:
    """A registrant to tell, in their language; `had_place` ones got a calendar file.

    The stay's days are kept so that the cancelling file matches the event that file added.
    """

    telegram_id: int
    lang: str
    registration_id: int
    had_place: bool
    arrival: date
    departure: date


@dataclass(frozen=True)
class Cancellation:
    """The cancelled visit and the registrants to tell."""

    visit: Visit
    notify: list[Released] = field(default_factory=list)

    @property
    def notice_kind(self) -> str:
        """The claim kind of the notice (claim_reminder): one per registration."""
        return "cancelled"


async def cancel_visit(session: AsyncSession, visit_id: int, now: datetime) -> Cancellation:
    """Cancel the visit and release every registration; VisitNotOpen for a past/cancelled one."""
    visit = await fresh_visit(session, visit_id)
    done = await guarded(
        session,
        update(Visit)
        .where(Visit.id == visit_id, Visit.status.not_in(_FINAL))
        .values(
            status=VisitStatus.CANCELLED.value,
            held=0,
            date_revision=Visit.date_revision + 1,
            updated_at=now,
        ),
    )
    if not done:
        raise VisitNotOpen((await fresh_visit(session, visit_id)).status)
    active = (
        await session.execute(
            select(
                Registration.id,
                Registration.telegram_id,
                Registration.lang,
                Registration.status,
                Registration.arrival,
                Registration.departure,
            )
            .where(Registration.visit_id == visit_id, Registration.status.in_(_ACTIVE))
            .order_by(Registration.id)
        )
    ).all()
    await guarded(
        session,
        update(Registration)
        .where(Registration.visit_id == visit_id, Registration.status.in_(_ACTIVE))
        .values(status=RegistrationStatus.WITHDRAWN.value, offer_expires_at=None, updated_at=now),
    )
    notify = [
        Released(
            telegram_id,
            lang,
            registration_id,
            status == RegistrationStatus.CONFIRMED,
            arrival,
            departure,
        )
        for registration_id, telegram_id, lang, status, arrival, departure in active
        if telegram_id is not None
    ]
    return Cancellation(await fresh_visit(session, visit.id), notify)
