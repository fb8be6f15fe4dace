"""The read every message makes: fresh, also after another process wrote."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import repo
from bot.db.models import Draft
from bot.db.session import make_engine, make_sessionmaker
from bot.db.userstate import SessionUserStates, SqliteUserStates, user_states

ANN = 7


async def test_state_follows_what_another_process_commits(
    sessions: async_sessionmaker[AsyncSession], migrated_url: str, now: datetime
) -> None:
    reader = user_states(migrated_url, sessions)
    expected = SqliteUserStates if migrated_url.startswith("sqlite") else SessionUserStates
    assert isinstance(reader, expected)
    assert await reader(ANN) == (None, False)
    # A second engine stands for a second process sharing the database.
    other = make_engine(migrated_url)
    try:
        async with make_sessionmaker(other).begin() as session:
            await repo.touch_user(session, ANN, telegram_language="en", first_name="A", now=now)
            await repo.set_language(session, ANN, "sk")
            session.add(
                Draft(telegram_id=ANN, kind="register", step="name", data={}, updated_at=now)
            )
        assert await reader(ANN) == ("sk", True)
        async with make_sessionmaker(other).begin() as session:
            await session.delete(await session.get(Draft, (ANN, "register")))
        assert await reader(ANN) == ("sk", False)
    finally:
        await other.dispose()
        reader.close()


async def test_sqlite_reader_never_creates_a_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    reader = SqliteUserStates(str(path))
    with pytest.raises(OperationalError, match="unable to open"):
        await reader(ANN)
    assert not path.exists()

