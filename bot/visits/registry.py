"""Registrations: register (taking a place or joining the waiting list), change and withdraw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.models import ACTIVE_REGISTRATION, MAX_ROW_ID, Registration, Visit
from bot.visits.results import Offer
from bot.visits.rules import (
    ACTIVE_STATUSES,
    ANSWER_FIELDS,
    HOLDING_STATUSES,
    NAME_MAX,
    STAY_WINDOW_DAYS,
    AlreadyRegistered,
    DeadlinePassed,
    RegistrationNotActive,
    RegistrationStatus,
    VisitNotOpen,
    VisitStarted,
    VisitStatus,
    check_role,
    check_stay,
    clean_email,
    clean_lang,
    clean_optional_text,
    clean_text,
)
from bot.visits.store import (
    fresh_visit,
    guarded,
    insert_for,
    local_today,
    own_registration,
    starts_at,
    take_places,
)
from bot.visits.waitlist import pass_place

# What update_registration may change.
EDITABLE = ("lang", *ANSWER_FIELDS)
_ACTIVE = [s.value for s in ACTIVE_STATUSES]


def clean_answers(
    visit: Visit, answers: dict[str, Any], window: int = STAY_WINDOW_DAYS
) -> dict[str, Any]:
    """Validate a registration's answers against the visit, as register does."""
    cleaned = {
        "lang": clean_lang(answers["lang"]),
        "full_name": clean_text(answers["full_name"], max_len=NAME_MAX),
        "organisation": clean_text(answers["organisation"], max_len=NAME_MAX),
        "city": clean_text(answers["city"], max_len=NAME_MAX),
        "role": check_role(answers["role"], visit.roles).value,
        "dietary": clean_optional_text(answers["dietary"]),
        "accessibility": clean_optional_text(answers["accessibility"]),
        "email": clean_email(answers["email"]),
        "arrival": answers["arrival"],
        "departure": answers["departure"],
    }
    check_stay(visit, cleaned["arrival"], cleaned["departure"], window)
    return cleaned


def check_open(visit: Visit, now: datetime) -> None:
    """Refuse registration for a visit that is not open or whose deadline has passed."""
    if visit.status != VisitStatus.OPEN:
        raise VisitNotOpen(visit.status)
    # Without a deadline, registration closes when the visit starts (host city's calendar).
    last_day = visit.registration_deadline or visit.start_date
    if local_today(visit, now) > last_day:
        raise DeadlinePassed(deadline=last_day)


async def register(
    session: AsyncSession,
    *,
    visit_id: int,
    telegram_id: int,
    lang: str,
    full_name: str,
    organisation: str,
    city: str,
    role: str,
    arrival: date,
    departure: date,
    dietary: str | None,
    accessibility: str | None,
    email: str | None,
    now: datetime,
    consent_at: datetime | None = None,
    stay_window: int = STAY_WINDOW_DAYS,
) -> Registration:
    """Register the person: confirmed while places last, else waitlisted; never over capacity.

    `stay_window`: how many days before and after the visit one may arrive and leave.
    """
    visit = await fresh_visit(session, visit_id)
    check_open(visit, now)
    answers = clean_answers(
        visit,
        {
            "lang": lang,
            "full_name": full_name,
            "organisation": organisation,
            "city": city,
            "role": role,
            "arrival": arrival,
            "departure": departure,
            "dietary": dietary,
            "accessibility": accessibility,
            "email": email,
        },
        stay_window,
    )
    [registration] = await register_many(
        session, [Registering(visit, telegram_id, answers, consent_at or now)], now
    )
    if isinstance(registration, AlreadyRegistered):
        raise registration
    return registration


@dataclass(frozen=True)
class Registering:
    """One registration of `register_many`: answers already cleaned against `visit`
    (`clean_answers`, `check_open`) as read in the caller's transaction."""

    visit: Visit
    telegram_id: int
    answers: dict[str, Any]
    consent_at: datetime


async def register_many(
    session: AsyncSession, people: Sequence[Registering], now: datetime
) -> list[Registration | AlreadyRegistered]:
    """Register several people at once, as `register` does each (confirmed while places last,
    in the order given, else waitlisted; never over capacity), in a few statements for all.

    Per person, the Registration, or AlreadyRegistered when they hold an active registration
    for the visit already (nothing written for them).
    """
    if not people:
        return []
    insert = insert_for(session)
    # Insert first, as waitlisted: the partial unique index turns a second active registration
    # (a double tap, a second bot process) into "no row" instead of an aborted transaction.
    rows = [
        {
            "visit_id": p.visit.id,
            "telegram_id": p.telegram_id,
            "status": RegistrationStatus.WAITLISTED.value,
            "consent_at": p.consent_at,
            "created_at": now,
            "updated_at": now,
            **p.answers,
        }
        for p in people
    ]
    stmt = (
        insert(Registration)
        .on_conflict_do_nothing(
            index_elements=[Registration.visit_id, Registration.telegram_id],
            # Literal SQL, not bound parameters: PostgreSQL matches the partial index by
            # proving this predicate implies the index's, which it cannot do for the
            # placeholders of a prepared statement (psycopg prepares after 5 executions).
            index_where=text(ACTIVE_REGISTRATION),
        )
        .returning(Registration)
    )
    # The rows come back whole (RETURNING): no second read of them below.
    found = await session.scalars(stmt, rows, execution_options={"populate_existing": True})
    made = {(r.visit_id, r.telegram_id): r for r in found}
    # Places, per visit in the order given: all at once when they fit (one statement), else
    # one guarded statement per person, as register takes them.
    waiting: dict[int, list[Registration]] = {}
    for p in people:
        if (registration := made.get((p.visit.id, p.telegram_id))) is not None:
            waiting.setdefault(p.visit.id, []).append(registration)
    confirmed: list[Registration] = []
    for visit_id, regs in waiting.items():
        if await take_places(session, visit_id, len(regs)):
            confirmed += regs
            continue
        if len(regs) == 1:
            continue  # that was its one place: the visit is full
        for registration in regs:
            if not await take_places(session, visit_id):
                break  # full: the rest wait too
            confirmed.append(registration)
    if confirmed:
        await guarded(
            session,
            update(Registration)
            .where(Registration.id.in_([r.id for r in confirmed]))
            .values(status=RegistrationStatus.CONFIRMED.value),
        )
        for registration in confirmed:
            # As written: the object states the row without reading it again.
            set_committed_value(registration, "status", RegistrationStatus.CONFIRMED.value)
    return [made.get((p.visit.id, p.telegram_id)) or AlreadyRegistered() for p in people]


async def _fresh(session: AsyncSession, registration_id: int) -> Registration:
    registration = await session.get(Registration, registration_id, populate_existing=True)
    assert registration is not None
    return registration


async def get_registration(
    session: AsyncSession, registration_id: int, telegram_id: int | None = None
) -> tuple[Registration, Visit] | None:
    """The registration and its visit; with telegram_id, only when it is that person's."""
    if not 0 < registration_id <= MAX_ROW_ID:
        return None
    stmt = (
        select(Registration, Visit)
        .join(Visit, Registration.visit_id == Visit.id)
        .where(Registration.id == registration_id)
        .execution_options(populate_existing=True)
    )
    if telegram_id is not None:
        stmt = stmt.where(Registration.telegram_id == telegram_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def my_registrations(
    session: AsyncSession, telegram_id: int, *, active_only: bool = False
) -> list[tuple[Registration, Visit]]:
    """The person's registrations with their visits, soonest visit first."""
    stmt = (
        select(Registration, Visit)
        .join(Visit, Registration.visit_id == Visit.id)
        .where(Registration.telegram_id == telegram_id)
        .order_by(Visit.start_date, Visit.id, Registration.id)
        .execution_options(populate_existing=True)
    )
    if active_only:
        stmt = stmt.where(Registration.status.in_(_ACTIVE))
    return [(r, v) for r, v in (await session.execute(stmt)).all()]


async def update_registration(
    session: AsyncSession,
    registration_id: int,
    telegram_id: int,
    *,
    now: datetime,
    stay_window: int = STAY_WINDOW_DAYS,
    **fields: Any,
) -> Registration:
    """Change the person's active registration; every field validated as register does."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_registration() cannot change {', '.join(sorted(unknown))}")
    registration = await own_registration(session, registration_id, telegram_id)
    if registration.status not in _ACTIVE:
        raise RegistrationNotActive(registration.status)
    visit = await fresh_visit(session, registration.visit_id)
    if visit.status == VisitStatus.PAST or local_today(visit, now) > visit.end_date:
        raise VisitNotOpen(VisitStatus.PAST.value)
    merged = {name: getattr(registration, name) for name in EDITABLE} | fields
    answers = clean_answers(visit, merged, stay_window)
    changed = {k: v for k, v in answers.items() if k in fields}
    done = await guarded(
        session,
        update(Registration)
        .where(Registration.id == registration_id, Registration.status.in_(_ACTIVE))
        .values(**changed, updated_at=now),
    )
    if not done:
        raise RegistrationNotActive(registration.status)
    return await _fresh(session, registration_id)


def check_withdrawable(visit: Visit, now: datetime) -> None:
    """Refuse withdrawing from a visit that has begun (VisitStarted) or is over (VisitNotOpen).

    Once the visit has begun, a withdrawal would rewrite the record of who took part, and the
    place it frees could no longer be used by anyone waiting.
    """
    if visit.status == VisitStatus.PAST or local_today(visit, now) > visit.end_date:
        raise VisitNotOpen(VisitStatus.PAST.value)
    if now >= starts_at(visit):
        raise VisitStarted()


async def withdraw(
    session: AsyncSession, registration_id: int, telegram_id: int, now: datetime, offer_hours: int
) -> Offer | None:
    """Withdraw the person's registration; a freed place is offered to the next (their Offer).

    Refused once the visit has begun (check_withdrawable), whatever the registration's status.
    """
    registration = await own_registration(session, registration_id, telegram_id)
    check_withdrawable(await fresh_visit(session, registration.visit_id), now)
    # The status can move under us (waitlisted -> offered by another withdrawal, offered ->
    # expired by the sweep): the guarded update then misses, and we look again.
    for _ in range(3):
        registration = await own_registration(session, registration_id, telegram_id)
        status = registration.status
        if status not in _ACTIVE:
            raise RegistrationNotActive(status)
        done = await guarded(
            session,
            update(Registration)
            .where(Registration.id == registration_id, Registration.status == status)
            .values(
                status=RegistrationStatus.WITHDRAWN.value, offer_expires_at=None, updated_at=now
            ),
        )
        if done:
            break
    else:
        raise RegistrationNotActive(status)
    if status in HOLDING_STATUSES:
        return await pass_place(session, registration.visit_id, now, offer_hours)
    return None
