"""Personal data: what we hold about a person, erasing it on request, purging it after visits."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Draft, QuestionLog, Registration, User, Visit
from bot.visits.rules import ANSWER_FIELDS

# Cleared when a registration is anonymised; status, role, dates and language stay, so the
# coordinators' counts do not change.
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


def _plain(value: Any) -> Any:
    # JSON-ready: the handler sends this as a file without knowing our types.
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


async def personal_data(session: AsyncSession, telegram_id: int) -> dict[str, Any]:
    """Everything stored about the person, JSON-ready: user, registrations, drafts, questions."""
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
    questions = await session.scalars(
        select(QuestionLog)
        .where(QuestionLog.telegram_id == telegram_id)
        .order_by(QuestionLog.created_at, QuestionLog.id)
    )
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
                "text": q.text,
                "lang": q.lang,
                "outcome": q.outcome,
                "feedback": q.feedback,
                "created_at": _plain(q.created_at),
            }
            for q in questions
        ],
    }


def _anonymised(now: datetime) -> dict[str, Any]:
    return {name: None for name in PERSONAL_FIELDS} | {"anonymised_at": now, "updated_at": now}


async def forget(session: AsyncSession, telegram_id: int, now: datetime) -> int:
    """Erase the person's data, keeping counts; returns how many registrations were anonymised.

    Registrations lose every personal field (their status, role and dates stay); drafts and
    the user row are deleted; logged questions keep their outcome but lose their text.
    """
    result = await session.execute(
        update(Registration)
        .where(Registration.telegram_id == telegram_id)
        .values(**_anonymised(now))
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(Draft).where(Draft.telegram_id == telegram_id))
    # The outcome stays for the curators' figures; the words, which may be personal, go.
    await session.execute(
        update(QuestionLog)
        .where(QuestionLog.telegram_id == telegram_id)
        .values(text="", telegram_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(User).where(User.telegram_id == telegram_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def purge(session: AsyncSession, now: datetime, after_days: int) -> int:
    """Anonymise registrations of visits ended over after_days ago; returns how many.

    Drafts untouched for as long are deleted too.
    """
    cutoff = now.date() - timedelta(days=after_days)
    ended = select(Visit.id).where(Visit.end_date < cutoff)
    result = await session.execute(
        update(Registration)
        .where(Registration.anonymised_at.is_(None), Registration.visit_id.in_(ended))
        .values(**_anonymised(now))
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(Draft).where(Draft.updated_at < now - timedelta(days=after_days)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
