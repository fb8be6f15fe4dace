"""The waiting list: freed places offered in order, offers accepted, declined or expired."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Registration, Visit
from bot.visits.results import Offer
from bot.visits.rules import (
    NotOffered,
    OfferExpired,
    RegistrationStatus,
    VisitStatus,
)
from bot.visits.store import fresh_visit, guarded, own_registration, starts_at, take_places

OFFERED = RegistrationStatus.OFFERED.value
WAITLISTED = RegistrationStatus.WAITLISTED.value


def _can_offer(visit: Visit, now: datetime) -> bool:
    # Offers only make sense before the visit starts and while it is neither draft nor past.
    return visit.status in (VisitStatus.OPEN, VisitStatus.CLOSED) and now < starts_at(visit)


async def _first_waiting(session: AsyncSession, visit_id: int) -> Registration | None:
    # Anonymised people (telegram_id NULL) cannot be asked, so they are passed over.
    return await session.scalar(
        select(Registration)
        .where(
            Registration.visit_id == visit_id,
            Registration.status == WAITLISTED,
            Registration.telegram_id.is_not(None),
        )
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def _offer_to(
    session: AsyncSession, visit: Visit, candidate: Registration, now: datetime, hours: int
) -> Offer | None:
    # An offer never outlives the start of the visit.
    expires = min(now + timedelta(hours=hours), starts_at(visit))
    done = await guarded(
        session,
        update(Registration)
        .where(Registration.id == candidate.id, Registration.status == WAITLISTED)
        .values(status=OFFERED, offer_expires_at=expires, updated_at=now),
    )
    if not done:  # someone else's transaction moved this person first
        return None
    return Offer(candidate.id, visit.id, candidate.telegram_id, candidate.lang, expires)


async def pass_place(
    session: AsyncSession, visit_id: int, now: datetime, offer_hours: int
) -> Offer | None:
    """A held place was given up: offer it to the first person waiting, else free it."""
    visit = await fresh_visit(session, visit_id)
    if _can_offer(visit, now):
        while (candidate := await _first_waiting(session, visit_id)) is not None:
            offer = await _offer_to(session, visit, candidate, now, offer_hours)
            if offer is not None:
                return offer
    await guarded(
        session,
        update(Visit).where(Visit.id == visit_id, Visit.held > 0).values(held=Visit.held - 1),
    )
    return None


async def fill_free_places(
    session: AsyncSession, visit_id: int, now: datetime, offer_hours: int
) -> list[Offer]:
    """Offer every free place to the people waiting (after a capacity increase, or a race)."""
    visit = await fresh_visit(session, visit_id)
    offers: list[Offer] = []
    if not _can_offer(visit, now):
        return offers
    while (candidate := await _first_waiting(session, visit_id)) is not None:
        if not await take_places(session, visit_id):
            break
        offer = await _offer_to(session, visit, candidate, now, offer_hours)
        if offer is None:
            await guarded(
                session, update(Visit).where(Visit.id == visit_id).values(held=Visit.held - 1)
            )
            continue
        offers.append(offer)
    return offers


async def accept_offer(
    session: AsyncSession, registration_id: int, telegram_id: int, now: datetime
) -> Registration:
    """Turn the person's offer into a confirmed place; NotOffered or OfferExpired otherwise."""
    done = await guarded(
        session,
        update(Registration)
        .where(
            Registration.id == registration_id,
            Registration.telegram_id == telegram_id,
            Registration.status == OFFERED,
            Registration.offer_expires_at > now,
        )
        .values(status=RegistrationStatus.CONFIRMED.value, offer_expires_at=None, updated_at=now),
    )
    registration = await own_registration(session, registration_id, telegram_id)
    if done:
        return registration
    if registration.status != OFFERED:
        raise NotOffered(registration.status)
    raise OfferExpired(expires_at=registration.offer_expires_at)


async def decline_offer(
    session: AsyncSession, registration_id: int, telegram_id: int, now: datetime, offer_hours: int
) -> Offer | None:
    """Decline the person's offer; the place goes to the next person waiting (their Offer)."""
    registration = await own_registration(session, registration_id, telegram_id)
    done = await guarded(
        session,
        update(Registration)
        .where(Registration.id == registration_id, Registration.status == OFFERED)
        .values(status=RegistrationStatus.DECLINED.value, offer_expires_at=None, updated_at=now),
    )
    if not done:
        raise NotOffered(registration.status)
    return await pass_place(session, registration.visit_id, now, offer_hours)


async def expire_offers(session: AsyncSession, now: datetime, offer_hours: int) -> list[Offer]:
    """Expire lapsed offers and pass each place on; returns the new offers to send."""
    lapsed = (
        await session.execute(
            select(Registration.id, Registration.visit_id)
            .where(Registration.status == OFFERED, Registration.offer_expires_at <= now)
            .order_by(Registration.offer_expires_at, Registration.id)
        )
    ).all()
    offers: list[Offer] = []
    for registration_id, visit_id in lapsed:
        done = await guarded(
            session,
            update(Registration)
            .where(
                Registration.id == registration_id,
                Registration.status == OFFERED,
                Registration.offer_expires_at <= now,
            )
            .values(status=RegistrationStatus.EXPIRED.value, updated_at=now),
        )
        if done and (offer := await pass_place(session, visit_id, now, offer_hours)):
            offers.append(offer)
    # A place freed while a registration was still being saved can be left free with people
    # waiting; this sweep gives it to them.
    stranded = await session.scalars(
        select(Visit.id)
        .join(Registration, Registration.visit_id == Visit.id)
        .where(
            Registration.status == WAITLISTED,
            Visit.held < Visit.capacity,
            Visit.status.in_([VisitStatus.OPEN.value, VisitStatus.CLOSED.value]),
        )
        .distinct()
    )
    for visit_id in list(stranded):
        offers.extend(await fill_free_places(session, visit_id, now, offer_hours))
    return offers
