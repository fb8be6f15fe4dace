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
from bot.db.models import QuestionLog, User
from bot.db.session import make_engine
from bot.db.url import async_url, sync_url

Sessions = async_sessionmaker[AsyncSession]
TOKYO = timezone(timedelta(hours=9))
ALICE, BOB = 111_111_111_111, 222


async def _users(sessions: Sessions) -> list[User]:
    async with sessions() as session:
        return list(await session.scalars(select(User).order_by(User.telegram_id)))


async def _log(sessions: Sessions, log_id: int) -> QuestionLog:
    async with sessions() as session:
        return (await session.scalars(select(QuestionLog).where(QuestionLog.id == log_id))).one()


async def _ask(
    sessions: Sessions, now: datetime, *, who: int | None = ALICE, outcome: str = "answered"
) -> int:
    async with sessions.begin() as session:
        await repo.touch_user(session, ALICE, telegram_language="sk", first_name="A", now=now)
        return await repo.log_question(
            session,
            telegram_id=who,
            text="Kedy bolo podpísané memorandum?",
            lang="sk",
            entry_id="agreement-signing" if outcome == "answered" else None,
            confidence=0.91,
            outcome=outcome,
            now=now,
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


async def test_log_question_returns_id_of_the_row(sessions: Sessions, now: datetime) -> None:
    first = await _ask(sessions, now)
    second = await _ask(sessions, now, outcome="unknown")
    assert second != first
    row = await _log(sessions, first)
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


async def test_unknown_outcome_refused_before_and_by_the_database(
    sessions: Sessions, now: datetime
) -> None:
    with pytest.raises(ValueError, match="'guessed'"):
        await _ask(sessions, now, outcome="guessed")
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
    log_id = await _ask(sessions, now)
    async with sessions.begin() as session:
        await repo.touch_user(session, BOB, telegram_language="en", first_name="B", now=now)
        assert await repo.set_feedback(session, log_id, BOB, "helpful") is False
    assert (await _log(sessions, log_id)).feedback is None

    async with sessions.begin() as session:
        assert await repo.set_feedback(session, log_id, ALICE, "not_helpful") is True
        assert await repo.set_feedback(session, log_id + 1000, ALICE, "helpful") is False
    assert (await _log(sessions, log_id)).feedback == "not_helpful"

    with pytest.raises(ValueError, match="'meh'"):
        async with sessions.begin() as session:
            await repo.set_feedback(session, log_id, ALICE, "meh")


async def test_outcome_changed_only_by_the_asker(sessions: Sessions, now: datetime) -> None:
    log_id = await _ask(sessions, now, outcome="suggested")
    async with sessions.begin() as session:
        assert await repo.set_outcome(session, log_id, BOB, "none_of_these") is False
    assert (await _log(sessions, log_id)).outcome == "suggested"

    async with sessions.begin() as session:
        assert (
            await repo.set_outcome(session, log_id, ALICE, "answered", entry_id="partners-contact")
            is True
        )
    row = await _log(sessions, log_id)
    assert (row.outcome, row.entry_id) == ("answered", "partners-contact")


async def test_unanswered_lists_misses_newest_first(sessions: Sessions, now: datetime) -> None:
    answered = await _ask(sessions, now, outcome="answered")
    unknown = await _ask(sessions, now + timedelta(minutes=1), outcome="unknown")
    suggested = await _ask(sessions, now + timedelta(minutes=2), outcome="suggested")
    rejected = await _ask(sessions, now + timedelta(minutes=3), outcome="none_of_these")
    disliked = await _ask(sessions, now + timedelta(minutes=4), outcome="answered")
    async with sessions.begin() as session:
        await repo.set_feedback(session, disliked, ALICE, "not_helpful")
        await repo.set_feedback(session, answered, ALICE, "helpful")

    async with sessions() as session:
        misses = await repo.unanswered(session, limit=10)
        assert [m.id for m in misses] == [disliked, rejected, unknown]
        assert suggested not in [m.id for m in misses]
        assert [m.id for m in await repo.unanswered(session, limit=2)] == [disliked, rejected]


async def test_deleting_a_user_keeps_their_questions(sessions: Sessions, now: datetime) -> None:
    log_id = await _ask(sessions, now, outcome="unknown")
    async with sessions.begin() as session:
        await session.execute(delete(User).where(User.telegram_id == ALICE))
    row = await _log(sessions, log_id)
    assert row.telegram_id is None
    assert row.text == "Kedy bolo podpísané memorandum?"


async def test_question_from_unknown_user_violates_foreign_key(
    sessions: Sessions, now: datetime
) -> None:
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await repo.log_question(
                session,
                telegram_id=999,
                text="?",
                lang="en",
                entry_id=None,
                confidence=0.0,
                outcome="unknown",
                now=now,
            )


async def test_sessions_see_the_migrated_revision(sessions: Sessions, migrated_url: str) -> None:
    async with sessions() as session:
        version = await session.scalar(text("SELECT version_num FROM alembic_version"))
    assert version == migrate.revisions()[-1]
