"""Repository functions: take the caller's AsyncSession, never commit (the caller's unit of work
does), and take `now` from the caller's clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Draft, Feedback, Outcome, QuestionLog, User
from bot.db.records import Question, Reaction, Seen
from bot.encodable import encodable

# What the curators review: questions the bot could not answer, or answered unhelpfully.
MISSED_OUTCOMES = (Outcome.UNKNOWN, Outcome.NONE_OF_THESE)
_LANGUAGE_CODE_MAX = User.__table__.c.telegram_language.type.length
_FIRST_NAME_MAX = User.__table__.c.first_name.type.length
_USERNAME_MAX = User.__table__.c.username.type.length


def _storable(text: str | None, limit: int | None = None) -> str | None:
    """Text as it came from Telegram, in a form every database stores: no NUL characters
    (PostgreSQL refuses them in text; they carry nothing a person reads) and at most `limit`
    characters (PostgreSQL refuses longer values for a VARCHAR), and no lone UTF-16 surrogate
    (no driver can encode one). Without this, the row of a question or of a user whose
    client sent any of them would be refused and lost."""
    if text is None:
        return None
    text = encodable(text)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text if limit is None else text[:limit]


def normal_username(username: str | None) -> str | None:
    """A username as stored and looked up: without "@", lower-cased (Telegram's usernames are
    case-insensitive)."""
    if not username:
        return None
    return _storable(username.removeprefix("@").lower(), _USERNAME_MAX) or None


async def touch_user(
    session: AsyncSession,
    telegram_id: int,
    *,
    telegram_language: str | None,
    first_name: str | None,
    now: datetime,
    username: str | None = None,
) -> User:
    """Insert the user or refresh last_seen, language_code, name and username; safe under
    concurrency."""
    result = await session.execute(
        _touch_statement(session.get_bind().dialect.name, returning=True),
        _seen_params(telegram_id, telegram_language, first_name, now, username),
        execution_options={"populate_existing": True},
    )
    return result.scalar_one()


async def touch_users(session: AsyncSession, seen: Sequence[Seen]) -> None:
    """touch_user for many messages in one statement (the activity recorder's batches)."""
    if seen:
        await session.execute(
            _touch_statement(session.get_bind().dialect.name, returning=False),
            [
                _seen_params(s.telegram_id, s.telegram_language, s.first_name, s.at, s.username)
                for s in seen
            ],
        )


def _seen_params(
    telegram_id: int,
    telegram_language: str | None,
    first_name: str | None,
    at: datetime,
    username: str | None,
) -> dict[str, Any]:
    return {
        "telegram_id": telegram_id,
        "telegram_language": _storable(telegram_language, _LANGUAGE_CODE_MAX),
        "first_name": _storable(first_name, _FIRST_NAME_MAX),
        "username": normal_username(username),
        "first_seen": at,
        "last_seen": at,
        "subscribed": True,
    }


@lru_cache(maxsize=8)
def _touch_statement(dialect: str, *, returning: bool) -> Any:
    """The upsert of touch_user, built once per dialect: it runs for every message.

    With `returning`, an ORM statement that gives back the User; without, a plain Core one
    for batches of many rows.
    """
    stmt = _insert_for(dialect)(User if returning else User.__table__)
    excluded = stmt.excluded
    users = User.__table__.c
    # Messages are recorded both at once (commands) and in batches a moment later (questions,
    # see bot/db/activity.py), so an older message may arrive last: it must not move
    # last_seen back, nor clear a block Telegram reported after it was written.
    newer = excluded.last_seen > users.last_seen
    # One statement, not select-then-insert: two first messages arriving together both
    # succeed, the second becoming an update.
    upsert = stmt.on_conflict_do_update(
        index_elements=[users.telegram_id],
        set_={
            "last_seen": case((newer, excluded.last_seen), else_=users.last_seen),
            # Telegram omits language_code and names sometimes; keep what we knew.
            "telegram_language": func.coalesce(
                excluded.telegram_language, users.telegram_language
            ),
            "first_name": func.coalesce(excluded.first_name, users.first_name),
            # Telegram sends the username whenever there is one: a newer message without it
            # means it was removed (and may now be someone else's).
            "username": case((newer, excluded.username), else_=users.username),
            # Someone who writes to the bot has unblocked it, unless the block came later (or
            # at once: the reply to this very message was refused).
            "blocked_at": case(
                (users.blocked_at >= excluded.last_seen, users.blocked_at), else_=None
            ),
        },
    )
    return upsert.returning(User) if returning else upsert


def _insert_for(dialect: str) -> Any:
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"no upsert for the {dialect} dialect")
    return insert


# What every message reads (bot/db/userstate.py): the /language choice and the kinds of the
# conversations saved, so that each handler group asks for its own draft only when there is
# one. For one user (a user not written yet has no row):
USER_LANGUAGE = select(User.language).where(User.telegram_id == bindparam("who"))
USER_DRAFT_KINDS = select(Draft.kind).where(Draft.telegram_id == bindparam("who"))

# The same for many users at once, in two queries: users not written yet are absent from
# the first, users without a conversation from the second.
LANGUAGES = select(User.telegram_id, User.language).where(
    User.telegram_id.in_(bindparam("ids", expanding=True))
)
DRAFT_KINDS = select(Draft.telegram_id, Draft.kind).where(
    Draft.telegram_id.in_(bindparam("ids", expanding=True))
)


async def get_user(session: AsyncSession, telegram_id: int) -> User | None:
    """Return the user, or None when they have never written."""
    return await session.get(User, telegram_id)


async def set_language(session: AsyncSession, telegram_id: int, lang: str | None) -> bool:
    """Store the user's /language choice (None clears it); False when the user is unknown."""
    return await _update_one(
        session, update(User).where(User.telegram_id == telegram_id).values(language=lang)
    )


async def set_subscribed(session: AsyncSession, telegram_id: int, subscribed: bool) -> bool:
    """Store whether the user receives announcements (/subscribe, /unsubscribe)."""
    return await _update_one(
        session,
        update(User).where(User.telegram_id == telegram_id).values(subscribed=subscribed),
    )


async def mark_blocked(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    """Record that the user blocked the bot; keeps the first time it was noticed."""
    return await _update_one(
        session,
        update(User)
        .where(User.telegram_id == telegram_id, User.blocked_at.is_(None))
        .values(blocked_at=now),
    )


async def log_questions(session: AsyncSession, questions: Sequence[Question]) -> None:
    """Log questions and what the bot did with them; one already logged is left alone."""
    if questions:
        await session.execute(
            _log_statement(session.get_bind().dialect.name),
            [
                {
                    "chat_id": q.chat_id,
                    "message_id": q.message_id,
                    "telegram_id": q.telegram_id,
                    "text": _storable(q.text),
                    "lang": q.lang,
                    "entry_id": q.entry_id,
                    "confidence": q.confidence,
                    "outcome": Outcome(q.outcome).value,
                    "created_at": q.asked_at,
                }
                for q in questions
            ],
        )


@lru_cache(maxsize=4)
def _log_statement(dialect: str) -> Any:
    # A redelivered update (Telegram resends what was not acknowledged) is the same message.
    log = QuestionLog.__table__
    return _insert_for(dialect)(log).on_conflict_do_nothing(
        index_elements=[log.c.chat_id, log.c.message_id]
    )


async def apply_reactions(session: AsyncSession, reactions: Sequence[Reaction]) -> None:
    """Record what askers did after the answer: a suggestion picked, "none of these", feedback.

    Only the asker's own presses count (callback data can be pressed by anyone in a chat);
    a reaction to a question that is not logged changes nothing.
    """
    if reactions:
        await session.execute(
            _REACT,
            [
                {
                    "r_chat": r.chat_id,
                    "r_message": r.message_id,
                    "r_who": r.telegram_id,
                    "r_outcome": Outcome(r.outcome).value if r.outcome else None,
                    "r_entry": r.entry_id,
                    "r_feedback": Feedback(r.feedback).value if r.feedback else None,
                }
                for r in reactions
            ],
        )


_LOG = QuestionLog.__table__.c
# Each reaction sets what it knows and keeps the rest (NULL parameter = unchanged).
_REACT = (
    update(QuestionLog.__table__)
    .where(
        _LOG.chat_id == bindparam("r_chat"),
        _LOG.message_id == bindparam("r_message"),
        _LOG.telegram_id == bindparam("r_who"),
    )
    .values(
        outcome=func.coalesce(bindparam("r_outcome"), _LOG.outcome),
        entry_id=func.coalesce(bindparam("r_entry"), _LOG.entry_id),
        feedback=func.coalesce(bindparam("r_feedback"), _LOG.feedback),
    )
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


async def _update_one(session: AsyncSession, stmt: Any) -> bool:
    # Plain UPDATE ... WHERE, so the check and the write are one atomic statement.
    result = await session.execute(stmt)
    return bool(result.rowcount)
