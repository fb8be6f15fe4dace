"""Personal data: what we hold about a person, and erasing all of it on request."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast.models import Broadcast, OutboxRow
from bot.db.models import (
    Draft,
    FloodMark,
    Handoff,
    KbChange,
    QuestionLog,
    Registration,
    RoleGrant,
    User,
    Visit,
)
from bot.visits.registry import withdraw
from bot.visits.results import Erasure, Offer
from bot.visits.rules import ACTIVE_STATUSES, ANSWER_FIELDS, RegistrationStatus, VisitError
from bot.visits.store import guarded, starts_at
from bot.visits.waitlist import pass_place

# Cleared when a registration is anonymised; status, role, dates and language stay, so the
# coordinators' counts of past visits do not change.
PERSONAL_FIELDS = (
    "telegram_id",
    "full_name",
    "organisation",
    "city",
    "dietary",
    "accessibility",
    "email",
)
_USER_FIELDS = (
    "language",
    "telegram_language",
    "first_name",
    "username",
    "first_seen",
    "last_seen",
    "subscribed",
    "blocked_at",
)
_REGISTRATION_FIELDS = (
    "id",
    "visit_id",
    "status",
    "lang",
    *ANSWER_FIELDS,
    "consent_at",
    "offer_expires_at",
    "created_at",
    "updated_at",
)
_ACTIVE = [s.value for s in ACTIVE_STATUSES]


def _plain(value: Any) -> Any:
    # JSON-ready: the handler sends this as a file without knowing our types.
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


async def personal_data(session: AsyncSession, telegram_id: int) -> dict[str, Any]:
    """Everything stored that links to the person, JSON-ready (the visits they created too)."""
    user = await session.get(User, telegram_id, populate_existing=True)
    registrations = (
        await session.execute(
            select(Registration, Visit)
            .join(Visit, Registration.visit_id == Visit.id)
            .where(Registration.telegram_id == telegram_id)
            .order_by(Registration.id)
        )
    ).all()
    drafts = await session.scalars(
        select(Draft).where(Draft.telegram_id == telegram_id).order_by(Draft.kind)
    )
    # In a private chat the chat is the person: a question whose user row has gone (retention
    # deletes it) still leads back to them by its chat id.
    questions = await session.scalars(
        select(QuestionLog)
        .where(or_(QuestionLog.telegram_id == telegram_id, QuestionLog.chat_id == telegram_id))
        .order_by(QuestionLog.created_at, QuestionLog.id)
    )
    created = await session.scalars(
        select(Visit).where(Visit.created_by == telegram_id).order_by(Visit.id)
    )
    # Their own role, and the roles they granted others (which name them as the granter).
    roles = await session.scalars(
        select(RoleGrant)
        .where(or_(RoleGrant.telegram_id == telegram_id, RoleGrant.granted_by == telegram_id))
        .order_by(RoleGrant.telegram_id)
    )
    handoffs = await session.scalars(
        select(Handoff).where(_handed_off_by(telegram_id)).order_by(Handoff.id)
    )
    received = await session.scalars(
        select(OutboxRow).where(OutboxRow.user_id == telegram_id).order_by(OutboxRow.id)
    )
    written = await session.scalars(
        select(Broadcast.id).where(Broadcast.author_id == telegram_id).order_by(Broadcast.id)
    )
    flood = await session.get(FloodMark, telegram_id, populate_existing=True)
    return {
        "telegram_id": telegram_id,
        "user": None
        if user is None
        else {name: _plain(getattr(user, name)) for name in _USER_FIELDS},
        "registrations": [
            {name: _plain(getattr(r, name)) for name in _REGISTRATION_FIELDS}
            | {"visit_titles": dict(v.titles)}
            for r, v in registrations
        ],
        "drafts": [
            {"kind": d.kind, "step": d.step, "data": d.data, "updated_at": _plain(d.updated_at)}
            for d in drafts
        ],
        "questions": [
            {
                "id": q.id,
                "message_id": q.message_id,
                "text": q.text,
                "lang": q.lang,
                "outcome": q.outcome,
                "feedback": q.feedback,
                "entry_id": q.entry_id,
                "confidence": q.confidence,
                "created_at": _plain(q.created_at),
            }
            for q in questions
        ],
        "visits_created": [{"id": v.id, "titles": dict(v.titles)} for v in created],
        "roles": [
            {
                "telegram_id": r.telegram_id,
                "role": r.role,
                "granted_by": r.granted_by,
                "granted_at": _plain(r.granted_at),
            }
            for r in roles
        ],
        # Questions handed to the coordinators, with their answers.
        "handoffs": [
            {name: _plain(getattr(h, name)) for name in _HANDOFF_FIELDS} for h in handoffs
        ],
        "broadcasts_received": [
            {column.key: _plain(getattr(r, column.key)) for column in OutboxRow.__table__.c}
            for r in received
        ],
        "broadcasts_written": list(written),
        # Flood control's bookkeeping (PostgreSQL): seconds since 1970 when they may next
        # write without counting against the limit, and the end of a pause.
        "flood_control": None
        if flood is None
        else {"tat": flood.tat, "paused_until": flood.paused_until},
    }


_HANDOFF_FIELDS = (
    "id",
    "message_id",
    "text",
    "lang",
    "status",
    "answer",
    "created_at",
    "answered_at",
)


def _handed_off_by(telegram_id: int) -> ColumnElement[bool]:
    # The chat is the person too (hand-offs come from private chats only).
    return or_(Handoff.telegram_id == telegram_id, Handoff.chat_id == telegram_id)


def anonymised(now: datetime) -> dict[str, Any]:
    """The values that anonymise a registration (for UPDATE ... VALUES)."""
    return {name: None for name in PERSONAL_FIELDS} | {"anonymised_at": now, "updated_at": now}


# A logged question keeps its outcome, language, matched entry, confidence and feedback (the
# curators' figures); its words and everything that leads back to the asker go. In a private
# chat the chat id is the asker's Telegram id, and the chat and message ids name the message.
QUESTION_UNLINKED = {"text": "", "telegram_id": None, "chat_id": None, "message_id": None}


async def unlink_questions(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    """Blank the text and the links to the asker of the questions matching where."""
    result = await session.execute(
        update(QuestionLog)
        .where(*where)
        .values(**QUESTION_UNLINKED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _withdraw_active(
    session: AsyncSession, telegram_id: int, now: datetime, offer_hours: int
) -> tuple[int, list[Offer]]:
    # As the Withdraw button does, so that a freed place goes to the next person waiting: an
    # anonymised registration can never be withdrawn later, and would hold its place forever.
    rows = (
        await session.execute(
            select(Registration.id, Registration.status, Visit)
            .join(Visit, Registration.visit_id == Visit.id)
            .where(Registration.telegram_id == telegram_id, Registration.status.in_(_ACTIVE))
            .order_by(Registration.id)
        )
    ).all()
    withdrawn, offers = 0, []
    for registration_id, status, visit in rows:
        if status == RegistrationStatus.CONFIRMED and now >= starts_at(visit):
            # The visit has begun: the person came, places can no longer be given, and the
            # coordinators' record of who took part stays right (as the purge keeps it).
            continue
        try:
            offer = await withdraw(session, registration_id, telegram_id, now, offer_hours)
        except VisitError:
            continue  # refused (the visit has begun) or no longer active: see below
        withdrawn += 1
        if offer is not None:
            offers.append(offer)
    # What withdraw refused (the visit has begun) must not wait or hold a place either: nobody
    # can offer a place to a person without a Telegram id, the coordinators must not count
    # them as waiting, and an offer nobody can accept would hold its place until it lapses.
    waiting = await session.execute(
        update(Registration)
        .where(
            Registration.telegram_id == telegram_id,
            Registration.status == RegistrationStatus.WAITLISTED.value,
        )
        .values(status=RegistrationStatus.WITHDRAWN.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    withdrawn += int(waiting.rowcount or 0)  # type: ignore[attr-defined]
    held_offers = await session.execute(
        select(Registration.id, Registration.visit_id).where(
            Registration.telegram_id == telegram_id,
            Registration.status == RegistrationStatus.OFFERED.value,
        )
    )
    for registration_id, visit_id in held_offers.all():
        done = await guarded(
            session,
            update(Registration)
            .where(
                Registration.id == registration_id,
                Registration.status == RegistrationStatus.OFFERED.value,
            )
            .values(
                status=RegistrationStatus.WITHDRAWN.value, offer_expires_at=None, updated_at=now
            ),
        )
        if done:
            withdrawn += 1
            if (offer := await pass_place(session, visit_id, now, offer_hours)) is not None:
                offers.append(offer)
    return withdrawn, offers


async def forget(
    session: AsyncSession, telegram_id: int, now: datetime, offer_hours: int
) -> Erasure:
    """Erase everything that links to the person, after withdrawing their active registrations.

    Active registrations are withdrawn first (a freed place is offered to the next person:
    send the Erasure's offers); then every registration loses its personal fields (status,
    role and dates stay), drafts, flood control's row, questions handed to the coordinators
    and the user row are deleted, logged questions lose their words and their chat and
    message ids, visits the person created lose their creator, a role granted to them in the
    bot goes (COORDINATOR_IDS and STAFF_IDS are the operator's), roles they granted others
    stay without naming them, broadcasts they wrote lose their author and their rows in
    broadcasts' outboxes are deleted.
    """
    withdrawn, offers = await _withdraw_active(session, telegram_id, now, offer_hours)
    result = await session.execute(
        update(Registration)
        .where(Registration.telegram_id == telegram_id)
        .values(**anonymised(now))
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(Draft).where(Draft.telegram_id == telegram_id))
    await session.execute(delete(FloodMark).where(FloodMark.telegram_id == telegram_id))
    await unlink_questions(
        session, or_(QuestionLog.telegram_id == telegram_id, QuestionLog.chat_id == telegram_id)
    )
    await _forget_handoffs(session, telegram_id)
    await session.execute(
        update(Visit)
        .where(Visit.created_by == telegram_id)
        .values(created_by=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(RoleGrant).where(RoleGrant.telegram_id == telegram_id))
    await session.execute(
        update(RoleGrant)
        .where(RoleGrant.granted_by == telegram_id)
        .values(granted_by=None)
        .execution_options(synchronize_session=False)
    )
    # Who got which broadcast goes with them; a broadcast they wrote stays, without its author.
    await session.execute(delete(OutboxRow).where(OutboxRow.user_id == telegram_id))
    await session.execute(
        update(Broadcast)
        .where(Broadcast.author_id == telegram_id)
        .values(author_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(User).where(User.telegram_id == telegram_id))
    anonymised_count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return Erasure(withdrawn=withdrawn, anonymised=anonymised_count, offers=offers)


async def _forget_handoffs(session: AsyncSession, telegram_id: int) -> None:
    """The person's handed-off questions go (with the answers they got); what a coordinator
    made of one stays as knowledge but no longer points at it. As a coordinator, the person
    is no longer named as the one who answered or added something."""
    mine = select(Handoff.id).where(_handed_off_by(telegram_id)).scalar_subquery()
    for stmt in (
        update(KbChange).where(KbChange.handoff_id.in_(mine)).values(handoff_id=None),
        delete(Handoff).where(_handed_off_by(telegram_id)),
        update(Handoff).where(Handoff.answered_by == telegram_id).values(answered_by=None),
        update(KbChange).where(KbChange.created_by == telegram_id).values(created_by=None),
    ):
        await session.execute(stmt.execution_options(synchronize_session=False))
