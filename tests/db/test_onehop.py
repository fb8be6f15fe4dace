"""SQLite: each statement is one trip to aiosqlite's thread (bot/db/onehop.py), with the same
results SQLAlchemy's own adapter gives: rows, rowcount, RETURNING, executemany, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import User
from bot.db.onehop import OneHopConnection

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


@pytest.fixture
def db_url(tmp_path) -> str:
    """SQLite only (the one-trip cursor is SQLite's); conftest's engine and sessions use it."""
    return f"sqlite:///{tmp_path / 'bot.db'}"


@contextmanager
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The functions sent to aiosqlite's thread while the block lasts."""
    sent: list[Any] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(fn)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield sent


def _user(telegram_id: int) -> dict[str, Any]:
    return {
        "telegram_id": telegram_id,
        "first_name": f"User {telegram_id}",
        "first_seen": NOW,
        "last_seen": NOW,
        "subscribed": True,
    }


async def test_the_engine_uses_the_one_trip_cursor(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_each_statement_is_one_trip(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sessions.begin() as session:  # the connection opened before counting
        await session.execute(text("SELECT 1"))
    with trips(monkeypatch) as sent:
        async with sessions.begin() as session:
            # executemany, a read with rows, an UPDATE's rowcount, a DELETE: one trip each,
            # then the commit.
            await session.execute(insert(User), [_user(1), _user(2), _user(3)])
            names = await session.scalars(select(User.first_name).order_by(User.telegram_id))
            assert list(names) == ["User 1", "User 2", "User 3"]
            changed = await session.execute(
                update(User).where(User.telegram_id >= 2).values(first_name="Changed")
            )
            assert changed.rowcount == 2
            gone = await session.execute(delete(User).where(User.telegram_id == 3))
            assert gone.rowcount == 1
        assert len(sent) == 5, sent  # and no rollback when the connection goes back
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 2


async def test_returning_orm_objects_and_errors(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        ids = await session.scalars(insert(User).returning(User.telegram_id), [_user(7)])
        assert list(ids) == [7]
        session.add(User(**_user(8)))
        await session.flush()
        found = await session.get(User, 8, populate_existing=True)
        assert found is not None
        assert found.first_name == "User 8"
        assert found.first_seen.replace(tzinfo=UTC) == NOW
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await session.execute(insert(User), [_user(7)])
    # The failed transaction was rolled back; the connection goes on working.
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 2
