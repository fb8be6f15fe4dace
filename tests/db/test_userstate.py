"""The read every message makes: fresh, also after another process wrote."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import repo
from bot.db.models import Draft
from bot.db.session import make_engine, make_sessionmaker
from bot.db.userstate import EngineUserStates, SqliteUserStates, user_states

ANN = 7


@pytest.mark.parametrize("chosen", ["fastest", "engine"])
async def test_state_follows_what_another_process_commits(
    engine: AsyncEngine, migrated_url: str, now: datetime, chosen: str
) -> None:
    if chosen == "fastest":
        reader = user_states(migrated_url, engine)
        expected = SqliteUserStates if migrated_url.startswith("sqlite") else EngineUserStates
        assert isinstance(reader, expected)
    else:
        reader = EngineUserStates(engine)
    assert await reader(ANN) == (None, frozenset())  # never wrote
    # A second engine stands for a second process sharing the database.
    other = make_engine(migrated_url)
    try:
        async with make_sessionmaker(other).begin() as session:
            await repo.touch_user(session, ANN, telegram_language="en", first_name="A", now=now)
            await repo.set_language(session, ANN, "sk")
            session.add(
                Draft(telegram_id=ANN, kind="register", step="name", data={}, updated_at=now)
            )
        assert await reader(ANN) == ("sk", frozenset({"register"}))
        async with make_sessionmaker(other).begin() as session:
            await session.delete(await session.get(Draft, (ANN, "register")))
        assert await reader(ANN) == ("sk", frozenset())
    finally:
        await other.dispose()
        reader.close()


async def test_sqlite_reader_never_creates_a_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    reader = SqliteUserStates(str(path))
    with pytest.raises(OperationalError, match="unable to open"):
        await reader(ANN)
    assert not path.exists()


async def test_reads_arriving_together_share_one_query(engine: AsyncEngine, now: datetime) -> None:
    async with make_sessionmaker(engine).begin() as session:
        for who, lang in ((1, "sk"), (2, "ja"), (3, None)):
            await repo.touch_user(session, who, telegram_language="en", first_name="x", now=now)
            await repo.set_language(session, who, lang)
        session.add(Draft(telegram_id=2, kind="register", step="city", data={}, updated_at=now))
    queries: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    reader = EngineUserStates(engine)
    states = await asyncio.gather(*(reader(who) for who in (1, 2, 3, 4, 2, 1)))
    assert states == [
        ("sk", frozenset()),
        ("ja", frozenset({"register"})),
        (None, frozenset()),
        (None, frozenset()),  # never wrote
        ("ja", frozenset({"register"})),
        ("sk", frozenset()),
    ]
    # One read for the six: the languages and the conversations, whatever the number of users.
    assert len([q for q in queries if q.lstrip().upper().startswith("SELECT")]) == 2


async def test_a_failed_shared_read_fails_every_reader(tmp_path: Path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'bot.db'}")
    reader = EngineUserStates(broken)
    results = await asyncio.gather(reader(1), reader(2), return_exceptions=True)
    await broken.dispose()
    assert [type(r) for r in results] == [OperationalError, OperationalError]
