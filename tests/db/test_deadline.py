"""The deadline on units of database work: a hung PostgreSQL gives DatabaseTimeout, and the
connection that was waiting is discarded, not handed to the next unit of work."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.deadline import DatabaseTimeout, Deadline, DeadlineSessions
from bot.db.session import make_engine, make_sessionmaker, make_sessions
from tests.db.conftest import POSTGRES_ENV, temporary_postgres_database
from tests.db.proxy import Proxy, proxy_to

DEADLINE_S = 1.0
BOUND_S = DEADLINE_S + 3.0  # a correctness bound: the review measured 130 s without one
postgres = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set"
)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[AsyncEngine, Proxy]]:
    """An engine on a fresh PostgreSQL database, reached through a proxy."""
    with temporary_postgres_database(os.environ[POSTGRES_ENV]) as url:
        async with proxy_to(url) as proxy:
            engine = make_engine(proxy.url(url), timeout=DEADLINE_S)
            yield engine, proxy
            proxy.resume()
            await engine.dispose()


async def backend_pid(sessions: DeadlineSessions) -> int:
    """The server process of the connection a unit of work gets."""
    async with sessions() as session:
        return (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()


@postgres
async def test_a_hung_server_times_out_and_its_connection_is_discarded(
    proxied: tuple[AsyncEngine, Proxy],
) -> None:
    engine, proxy = proxied
    clock = Clock()
    sessions = DeadlineSessions(make_sessionmaker(engine), Deadline(DEADLINE_S, clock=clock))
    before = await backend_pid(sessions)  # the connection the pool will hand out next
    proxy.pause()
    began = time.monotonic()
    with pytest.raises(DatabaseTimeout, match="within 1 s"):
        async with sessions.begin() as session:
            await session.execute(text("SELECT 1"))
    assert time.monotonic() - began < BOUND_S
    # Counted as away for one more deadline: the next unit does not wait again.
    with pytest.raises(DatabaseTimeout, match="a moment ago"):
        async with sessions() as session:
            pytest.fail("a unit of work ran while the database counted as away")
    proxy.resume()
    clock.now += DEADLINE_S
    # The connection cut off mid-exchange is not reused (its reply may still be on the way):
    # the next unit gets a new one, and the pool keeps nothing checked out.
    assert await backend_pid(sessions) != before
    assert engine.pool.checkedout() == 0
    pids = await asyncio.gather(*(backend_pid(sessions) for _ in range(5)))
    assert before not in pids


@postgres
async def test_the_read_every_message_makes_has_the_deadline_too(
    proxied: tuple[AsyncEngine, Proxy],
) -> None:
    from bot.db import migrate
    from bot.db.userstate import EngineUserStates

    engine, proxy = proxied
    await asyncio.to_thread(migrate.upgrade, engine.url.render_as_string(hide_password=False))
    read = EngineUserStates(engine, Deadline(DEADLINE_S))
    assert await read(7) == (None, frozenset())
    proxy.pause()
    began = time.monotonic()
    with pytest.raises(SQLAlchemyError):
        await read(7)
    assert time.monotonic() - began < BOUND_S


async def test_a_timeout_of_the_block_itself_is_not_the_databases() -> None:
    deadline = Deadline(60)

    async def slow_step() -> None:
        async with deadline(), asyncio.timeout(0):
            await asyncio.sleep(1)

    with pytest.raises(TimeoutError) as raised:
        await slow_step()
    assert not isinstance(raised.value, SQLAlchemyError)
    async with deadline():  # and the database does not count as away
        pass


async def test_a_database_counts_as_away_only_for_one_deadline() -> None:
    clock = Clock()
    deadline = Deadline(0.01, clock=clock)
    with pytest.raises(DatabaseTimeout):
        async with deadline():
            await asyncio.sleep(1)
    clock.now += 0.009
    with pytest.raises(DatabaseTimeout):
        async with deadline():
            pass
    clock.now += 0.001
    async with deadline():
        pass


async def test_sqlite_units_are_not_cut_short(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    sessions, deadline = make_sessions(engine, 0.5)
    assert deadline.seconds is None
    async with sessions() as session:
        await asyncio.sleep(0.6)
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    await engine.dispose()
