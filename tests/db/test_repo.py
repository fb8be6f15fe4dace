"""Repository functions and engine set-up, asserted on the rows they leave behind."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import migrate, repo
from bot.db.models import Feedback, Outcome, QuestionLog, User
from bot.db.records import Question, Reaction, Seen
from bot.db.session import make_engine
from bot.db.url import async_url, sync_url

Sessions = async_sessionmaker[AsyncSession]
TOKYO = timezone(timedelta(hours=9))
ALICE, BOB = 111_111_111_111, 222
CHAT = ALICE  # a private chat's id is its user's


async def _users(sessions: Sessions) -> list[User]:
    async with sessions() as session:
        return list(await session.scalars(select(User).order_by(User.telegram_id)))


async def _log(sessions: Sessions, message_id: int) -> QuestionLog:
    async with sessions() as session:
        stmt = select(QuestionLog).where(
            QuestionLog.chat_id == CHAT, QuestionLog.message_id == message_id
        )
        return (await session.scalars(stmt)).one()


def _question(
    message_id: int, now: datetime, *, who: int | None = ALICE, outcome: str = "answered"
):
    return Question(
        chat_id=CHAT,
        message_id=message_id,
        telegram_id=who,
        text="Kedy bolo podpísané memorandum?",
        lang="sk",
        entry_id="agreement-signing" if outcome == "answered" else None,
        confidence=0.91,
        outcome=outcome,  # type: ignore[arg-type]
        asked_at=now,
    )


async def _ask(
    sessions: Sessions, now: datetime, message_id: int, *, outcome: str = "answered"
) -> int:
    async with sessions.begin() as session:
        await repo.touch_user(session, ALICE, telegram_language="sk", first_name="A", now=now)
        await repo.log_questions(session, [_question(message_id, now, outcome=outcome)])
    return message_id


async def _react(sessions: Sessions, message_id: int, who: int, **change: object) -> None:
    async with sessions.begin() as session:
        await repo.apply_reactions(
            session, [Reaction(chat_id=CHAT, message_id=message_id, telegram_id=who, **change)]
        )


# --- DATABASE_URL mapping -------------------------------------------------------------------

URLS = [
    ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db", "sqlite:///relative.db"),
    ("sqlite:////abs/path.db", "sqlite+aiosqlite:////abs/path.db", "sqlite:////abs/path.db"),
    ("sqlite+aiosqlite:///bot.db", "sqlite+aiosqlite:///bot.db", "sqlite:///bot.db"),
    (
        "postgresql://bot:pw@db:5432/iuc",
        "postgresql+psycopg://bot:pw@db:5432/iuc",
        "postgresql+psycopg://bot:pw@db:5432/iuc",
    ),
    (
        "postgres://bot:pw@db/iuc?sslmode=require",
        "postgresql+psycopg://bot:pw@db/iuc?sslmode=require",
        "postgresql+psycopg://bot:pw@db/iuc?sslmode=require",
    ),
    (
        "postgresql+psycopg://bot@db/iuc",
        "postgresql+psycopg://bot@db/iuc",
        "postgresql+psycopg://bot@db/iuc",
    ),
    (
        "postgresql://bot:p%40ss@db/iuc",
        "postgresql+psycopg://bot:p%40ss@db/iuc",
        "postgresql+psycopg://bot:p%40ss@db/iuc",
    ),
]


@pytest.mark.parametrize(
    ("given", "expected_async", "expected_sync"),
    URLS,
    ids=[
        "sqlite-relative",
        "sqlite-absolute",
        "sqlite-aiosqlite",
        "postgresql",
        "postgres-with-query",
        "postgresql+psycopg",
        "escaped-password",
    ],
)
def test_url_mapping(given: str, expected_async: str, expected_sync: str) -> None:
    assert async_url(given) == expected_async
    assert sync_url(given) == expected_sync


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("mysql://root:s3cret@db/iuc", "unsupported scheme 'mysql'"),
        ("postgresql+asyncpg://bot:s3cret@db/iuc", "unsupported scheme 'postgresql+asyncpg'"),
        ("not a url, s3cret", "cannot be parsed"),
        ("postgresql://bot:s3cret@db:port/iuc", "cannot be parsed"),
        ("https://bot:s3c@ret@example.com/", "unsupported scheme"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("   ", "empty"),
    ],
    ids=[
        "mysql",
        "asyncpg",
        "garbage",
        "bad-port",
        "unescaped-at",
        "sqlite-memory",
        "sqlite-memory-explicit",
        "blank",
    ],
)
def test_url_refused_without_echoing_password(given: str, words: str) -> None:
    with pytest.raises(ValueError, match="database URL") as caught:
        async_url(given)
    message = str(caught.value)
    assert words in message
    assert "s3c" not in message
    assert "ret@" not in message
    assert "sqlite:///path/to/file.db" in message  # tells the operator what would work


# --- engine -----------------------------------------------------------------------------------


async def test_sqlite_connections_get_pragmas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pragmas.db'}"
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            got = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        await engine.dispose()
    assert got == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


async def test_make_engine_does_not_touch_the_database(tmp_path: Path) -> None:
    path = tmp_path / "lazy.db"
    engine = make_engine(f"sqlite:///{path}")
    await engine.dispose()
    assert not path.exists()


# --- users ------------------------------------------------------------------------------------


async def test_touch_user_twice_keeps_one_row(sessions: Sessions, now: datetime) -> None:
    async with sessions.begin() as session:
        first = await repo.touch_user(
            session, ALICE, telegram_language="sk", first_name="Alžbeta", now=now
        )
        assert (first.telegram_id, first.first_seen, first.subscribed) == (ALICE, now, True)
    later = now + timedelta(hours=2)
    async with sessions.begin() as session:
        second = await repo.touch_user(
            session, ALICE, telegram_language="ja", first_name=None, now=later
        )
        assert second.last_seen == later

    [user] = await _users(sessions)
    assert user.telegram_id == ALICE
    assert user.first_seen == now
    assert user.last_seen == later
    assert user.telegram_language == "ja"
    assert user.first_name == "Alžbeta"  # Telegram sent no name: the old one stays
    assert user.language is None
    assert user.subscribed is True


async def test_concurrent_first_messages_make_one_user(sessions: Sessions, now: datetime) -> None:
    async def first_message(i: int) -> None:
        async with sessions.begin() as session:
            await repo.touch_user(
                session,
                BOB,
                telegram_language="en",
                first_name=f"Bob {i}",
                now=now + timedelta(milliseconds=i),
            )

    await asyncio.gather(*(first_message(i) for i in range(10)))

    users = await _users(sessions)
    assert [u.telegram_id for u in users] == [BOB]
    assert users[0].first_name.startswith("Bob ")


async def test_language_choice_survives_touch(sessions: Sessions, now: datetime) -> None:
    async with sessions.begin() as session:
        await repo.touch_user(session, ALICE, telegram_language="en", first_name="A", now=now)
        assert await repo.set_language(session, ALICE, "ja") is True
        assert await repo.set_language(session, BOB, "ja") is False  # never wrote
    async with sessions.begin() as session:
        await repo.touch_user(session, ALICE, telegram_language="en", first_name="A", now=now)
    async with sessions() as session:
        user = await repo.get_user(session, ALICE)
        assert user is not None
        assert (user.language, user.telegram_language) == ("ja", "en")
        assert await repo.get_user(session, BOB) is None


async def test_blocked_until_the_user_writes_again(sessions: Sessions, now: datetime) -> None:
    async with sessions.begin() as session:
        await repo.touch_user(session, ALICE, telegram_language="sk", first_name="A", now=now)
        assert await repo.mark_blocked(session, ALICE, now + timedelta(days=1)) is True
        # A second Forbidden keeps the first time it was seen.
        assert await repo.mark_blocked(session, ALICE, now + timedelta(days=2)) is False
    [user] = await _users(sessions)
    assert user.blocked_at == now + timedelta(days=1)

    async with sessions.begin() as session:
        await repo.touch_user(
            session, ALICE, telegram_language="sk", first_name="A", now=now + timedelta(days=3)
        )
    [user] = await _users(sessions)
    assert user.blocked_at is None


async def test_timestamps_come_back_aware_and_equal(sessions: Sessions) -> None:
    tokyo_morning = datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO)
    async with sessions.begin() as session:
        await repo.touch_user(
            session, ALICE, telegram_language="ja", first_name="A", now=tokyo_morning
        )
    [user] = await _users(sessions)
    assert user.first_seen == tokyo_morning
    assert user.first_seen.utcoffset() == timedelta(0)


async def test_naive_datetime_refused(sessions: Sessions) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with sessions.begin() as session:
            await repo.touch_user(
                session,
                ALICE,
                telegram_language="en",
                first_name="A",
                now=datetime(2026, 12, 1, 9, 0),
            )
    assert await _users(sessions) == []


# --- question log -----------------------------------------------------------------------------


async def test_questions_are_logged_by_their_message(sessions: Sessions, now: datetime) -> None:
    await _ask(sessions, now, 10)
    await _ask(sessions, now, 11, outcome="unknown")
    row = await _log(sessions, 10)
    assert (row.telegram_id, row.lang, row.entry_id, row.outcome, row.feedback) == (
        ALICE,
        "sk",
        "agreement-signing",
        "answered",
        None,
    )
    assert row.text == "Kedy bolo podpísané memorandum?"
    assert row.confidence == pytest.approx(0.91)
    assert row.created_at == now
    assert (await _log(sessions, 11)).outcome == "unknown"


async def test_a_redelivered_question_is_logged_once(sessions: Sessions, now: datetime) -> None:
    await _ask(sessions, now, 10)
    await _ask(sessions, now + timedelta(minutes=1), 10, outcome="unknown")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(QuestionLog)) == 1
    assert (await _log(sessions, 10)).outcome == "answered"


async def test_unknown_outcome_refused_before_and_by_the_database(
    sessions: Sessions, now: datetime
) -> None:
    with pytest.raises(ValueError, match="'guessed'"):
        await _ask(sessions, now, 10, outcome="guessed")
    # The CHECK constraint holds even for code that bypasses the repository.
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await session.execute(
                insert(QuestionLog).values(
                    text="x", lang="en", confidence=0.0, outcome="guessed", created_at=now
                )
            )
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(QuestionLog)) == 0


async def test_feedback_only_from_the_asker(sessions: Sessions, now: datetime) -> None:
    await _ask(sessions, now, 10)
    await _react(sessions, 10, BOB, feedback=Feedback.HELPFUL)
    assert (await _log(sessions, 10)).feedback is None
    await _react(sessions, 10, ALICE, feedback=Feedback.NOT_HELPFUL)
    await _react(sessions, 99, ALICE, feedback=Feedback.HELPFUL)  # no such question: nothing
    row = await _log(sessions, 10)
    assert (row.feedback, row.outcome) == ("not_helpful", "answered")
    with pytest.raises(ValueError, match="'meh'"):
        await _react(sessions, 10, ALICE, feedback="meh")


async def test_outcome_changed_only_by_the_asker(sessions: Sessions, now: datetime) -> None:
    await _ask(sessions, now, 10, outcome="suggested")
    await _react(sessions, 10, BOB, outcome=Outcome.NONE_OF_THESE)
    assert (await _log(sessions, 10)).outcome == "suggested"
    await _react(sessions, 10, ALICE, outcome=Outcome.ANSWERED, entry_id="partners-contact")
    row = await _log(sessions, 10)
    assert (row.outcome, row.entry_id, row.feedback) == ("answered", "partners-contact", None)


async def test_unanswered_lists_misses_newest_first(sessions: Sessions, now: datetime) -> None:
    await _ask(sessions, now, 1, outcome="answered")
    await _ask(sessions, now + timedelta(minutes=1), 2, outcome="unknown")
    await _ask(sessions, now + timedelta(minutes=2), 3, outcome="suggested")
    await _ask(sessions, now + timedelta(minutes=3), 4, outcome="none_of_these")
    await _ask(sessions, now + timedelta(minutes=4), 5, outcome="answered")
    await _react(sessions, 5, ALICE, feedback=Feedback.NOT_HELPFUL)
    await _react(sessions, 1, ALICE, feedback=Feedback.HELPFUL)

    async with sessions() as session:
        misses = await repo.unanswered(session, limit=10)
        assert [m.message_id for m in misses] == [5, 4, 2]
        assert [m.message_id for m in await repo.unanswered(session, limit=2)] == [5, 4]


async def test_deleting_a_user_keeps_their_questions(sessions: Sessions, now: datetime) -> None:
    await _ask(sessions, now, 10, outcome="unknown")
    async with sessions.begin() as session:
        await session.execute(delete(User).where(User.telegram_id == ALICE))
    row = await _log(sessions, 10)
    assert row.telegram_id is None
    assert row.text == "Kedy bolo podpísané memorandum?"


async def test_question_from_unknown_user_violates_foreign_key(
    sessions: Sessions, now: datetime
) -> None:
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await repo.log_questions(session, [_question(10, now, who=999)])


async def test_batched_touches_never_move_last_seen_back(
    sessions: Sessions, now: datetime
) -> None:
    later = now + timedelta(minutes=5)
    async with sessions.begin() as session:
        await repo.touch_user(session, ALICE, telegram_language="sk", first_name="A", now=later)
        await repo.mark_blocked(session, ALICE, later)
    # A batch carrying an earlier message arrives after: last_seen and the block stay.
    async with sessions.begin() as session:
        await repo.touch_users(session, [Seen(ALICE, "en", None, now), Seen(BOB, None, "B", now)])
    bob, alice = await _users(sessions)  # by id: BOB < ALICE
    assert (alice.last_seen, alice.blocked_at, alice.telegram_language) == (later, later, "en")
    assert (bob.first_seen, bob.last_seen, bob.first_name) == (now, now, "B")


async def test_sessions_see_the_migrated_revision(sessions: Sessions, migrated_url: str) -> None:
    async with sessions() as session:
        version = await session.scalar(text("SELECT version_num FROM alembic_version"))
    assert version == migrate.revisions()[-1]
