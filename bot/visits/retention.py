"""How long personal data is kept: registrations after their visit, questions, idle users."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.flood import forget_idle
from bot.db.models import Draft, QuestionLog, Registration, User, Visit
from bot.visits.privacy import anonymised, unlink_questions
from bot.visits.results import Expiry
from bot.visits.rules import ACTIVE_STATUSES, VisitStatus

_ACTIVE = [s.value for s in ACTIVE_STATUSES]


async def purge(session: AsyncSession, now: datetime, after_days: int) -> int:
    """Anonymise registrations of visits ended over after_days ago; returns how many.

    Drafts untouched for as long are deleted too, and flood control's rows of users quiet
    for a day (bot/db/flood.py).
    """
    cutoff = now.date() - timedelta(days=after_days)
    ended = select(Visit.id).where(Visit.end_date < cutoff)
    result = await session.execute(
        update(Registration)
        .where(Registration.anonymised_at.is_(None), Registration.visit_id.in_(ended))
        .values(**anonymised(now))
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(Draft).where(Draft.updated_at < now - timedelta(days=after_days)))
    await forget_idle(session, now)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def expire(session: AsyncSession, now: datetime, retention_days: int) -> Expiry:
    """Apply RETENTION_DAYS: older questions lose their words and asker, idle users their row.

    A user who has not written for that long is deleted unless they still hold an active
    registration of a visit that is not over (its reminders and offers need no user row,
    but the person is plainly still with us).
    """
    cutoff = now - timedelta(days=retention_days)
    questions = await unlink_questions(
        session,
        QuestionLog.created_at < cutoff,
        or_(
            QuestionLog.text != "",
            QuestionLog.telegram_id.is_not(None),
            QuestionLog.chat_id.is_not(None),
            QuestionLog.message_id.is_not(None),
        ),
    )
    still_registered = exists().where(
        Registration.telegram_id == User.telegram_id,
        Registration.status.in_(_ACTIVE),
        Registration.visit_id == Visit.id,
        Visit.status != VisitStatus.PAST.value,
    )
    result = await session.execute(
        delete(User)
        .where(User.last_seen < cutoff, ~still_registered)
        .execution_options(synchronize_session=False)
    )
    users = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return Expiry(questions=questions, users=users)
