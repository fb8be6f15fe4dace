"""Repository functions: take the caller's AsyncSession, never commit (the caller's unit of work
does), and take `now` from the caller's clock."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Draft, Feedback, Outcome, QuestionLog, User

# What the curators review: questions the bot could not answer, or answered unhelpfully.
MISSED_OUTCOMES = (Outcome.UNKNOWN, Outcome.NONE_OF_THESE)


async def touch_user(
    session: AsyncSession,
    telegram_id: int,
    *,
    telegram_language: str | None,
    first_name: str | None,
    now: datetime,
) -> User:
    """Insert the user or refresh last_seen, language_code and name; safe under concurrency."""
    user, _ = await touch_user_and_drafts(
        session, telegram_id, telegram_language=telegram_language, first_name=first_name, now=now
    )
    return user


async def touch_user_and_drafts(
    session: AsyncSession,
    telegram_id: int,
    *,
    telegram_language: str | None,
    first_name: str | None,
    now: datetime,
) -> tuple[User, bool]:
    """touch_user, also telling whether the user has a conversation saved (any draft).

    Every message needs both; one statement instead of two halves the database round trips,
    which is what a message costs on SQLite.
    """
    result = await session.execute(
        _touch_statement(session.get_bind().dialect.name),
        {
            "telegram_id": telegram_id,
            "telegram_language": telegram_language,
            "first_name": first_name,
            "first_seen": now,
            "last_seen": now,
            "subscribed": True,
            "draft_owner": telegram_id,
        },
        execution_options={"populate_existing": True},
    )
    user, has_draft = result.one()
    return user, bool(has_draft)


@lru_cache(maxsize=4)
def _touch_statement(dialect: str) -> Any:
    """The upsert of touch_user, built once per dialect: it runs for every message."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"no upsert for the {dialect} dialect")
    stmt = insert(User)
    excluded = stmt.excluded
    # One statement, not select-then-insert: two first messages arriving together both
    # succeed, the second becoming an update.
    return stmt.on_conflict_do_update(
        index_elements=[User.telegram_id],
        set_={
            "last_seen": excluded.last_seen,
            # Telegram omits language_code and names sometimes; keep what we knew.
            "telegram_language": func.coalesce(excluded.telegram_language, User.telegram_language),
            "first_name": func.coalesce(excluded.first_name, User.first_name),
            # Someone who writes to the bot has unblocked it.
            "blocked_at": None,
        },
    ).returning(
        User,
        # The subquery names the id as a parameter: SQLite cannot tell a correlated
        # "telegram_id" of the RETURNING clause from the drafts' own.
        exists().where(Draft.telegram_id == bindparam("draft_owner")).label("has_draft"),
    )


async def get_user(session: AsyncSession, telegram_id: int) -> User | None:
    """Return the user, or None when they have never written."""
    return await session.get(User, telegram_id)


async def set_language(session: AsyncSession, telegram_id: int, lang: str | None) -> bool:
    """Store the user's /language choice (None clears it); False when the user is unknown."""
    return await _update_one(
        session, update(User).where(User.telegram_id == telegram_id).values(language=lang)
    )


async def mark_blocked(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    """Record that the user blocked the bot; keeps the first time it was noticed."""
    return await _update_one(
        session,
        update(User)
        .where(User.telegram_id == telegram_id, User.blocked_at.is_(None))
        .values(blocked_at=now),
    )


async def log_question(
    session: AsyncSession,
    *,
    telegram_id: int | None,
    text: str,
    lang: str,
    entry_id: str | None,
    confidence: float,
    outcome: Outcome | str,
    now: datetime,
) -> int:
    """Log a question and what the bot did with it; returns the log id."""
    # A Core INSERT … RETURNING: this runs for every question, and the ORM's unit of work
    # would only add bookkeeping for an object nobody reads.
    return await session.scalar(
        _LOG_INSERT,
        {
            "telegram_id": telegram_id,
            "text": text,
            "lang": lang,
            "entry_id": entry_id,
            "confidence": confidence,
            "outcome": Outcome(outcome).value,
            "created_at": now,
        },
    )


async def set_feedback(
    session: AsyncSession, log_id: int, telegram_id: int, feedback: Feedback | str
) -> bool:
    """Record the asker's feedback; False when the log is missing or someone else asked."""
    # The log id travels in callback data, which any chat member can press: check the asker.
    return await _update_one(
        session,
        update(QuestionLog)
        .where(QuestionLog.id == log_id, QuestionLog.telegram_id == telegram_id)
        .values(feedback=Feedback(feedback).value),
    )


async def set_outcome(
    session: AsyncSession,
    log_id: int,
    telegram_id: int,
    outcome: Outcome | str,
    *,
    entry_id: str | None = None,
) -> bool:
    """Change a logged outcome (e.g. a suggestion picked); entry_id too when given."""
    values: dict[str, Any] = {"outcome": Outcome(outcome).value}
    if entry_id is not None:
        values["entry_id"] = entry_id
    return await _update_one(
        session,
        update(QuestionLog)
        .where(QuestionLog.id == log_id, QuestionLog.telegram_id == telegram_id)
        .values(**values),
    )


async def unanswered(session: AsyncSession, limit: int = 50) -> list[QuestionLog]:
    """Return the newest misses: unknown, none of these, or answers marked not helpful."""
    stmt = (
        select(QuestionLog)
        .where(
            or_(
                QuestionLog.outcome.in_([o.value for o in MISSED_OUTCOMES]),
                QuestionLog.feedback == Feedback.NOT_HELPFUL.value,
            )
        )
        .order_by(QuestionLog.created_at.desc(), QuestionLog.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


_LOG_INSERT = insert(QuestionLog).returning(QuestionLog.id)


async def _update_one(session: AsyncSession, stmt: Any) -> bool:
    # Plain UPDATE ... WHERE, so the check and the write are one atomic statement.
    result = await session.execute(stmt)
    return bool(result.rowcount)
