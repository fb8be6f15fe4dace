"""The sender's seat (bot/broadcast/seat.py): one process sends at a time on PostgreSQL; the
seat passes on when its holder gives it back or its connection dies."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.broadcast.seat import AdvisorySeat
from bot.db.scratch import temporary_postgres_database
from bot.db.session import make_engine

POSTGRES_ENV = "TEST_POSTGRES_URL"
KEY = 4242  # not the bot's own key: a test database, but a shared server


@pytest.fixture
async def two_seats() -> AsyncIterator[tuple[AdvisorySeat, AdvisorySeat]]:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    with temporary_postgres_database(server) as url:
        engines = [make_engine(url, pool_size=2) for _ in range(2)]
        yield tuple(  # type: ignore[misc]
            AdvisorySeat(e, KEY, try_every=0.05, check_every=0.05) for e in engines
        )
        for engine in engines:
            await engine.dispose()


async def until(condition, what: str, limit: float = 60.0) -> None:
    """Polls for a condition; a bound, not a speed assertion."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 (the seat signals nothing: polled)
            await asyncio.sleep(0.02)


async def test_one_holds_the_seat_and_the_other_waits_then_takes_it(two_seats) -> None:
    first, second = two_seats
    given_back = asyncio.Event()

    async def hold(seat: AdvisorySeat, until_set: asyncio.Event) -> None:
        async with seat.taken():
            await until_set.wait()

    holder = asyncio.create_task(hold(first, given_back))
    await until(lambda: first.holding, "the first seat")
    never = asyncio.Event()
    waiter = asyncio.create_task(hold(second, never))
    await asyncio.sleep(0.5)  # many tries of the second: none may succeed while held
    assert not second.holding
    given_back.set()
    await holder
    await until(lambda: second.holding, "the second seat after the first gave it back")
    waiter.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiter


async def test_a_dead_holders_seat_passes_on_and_the_holder_notices(two_seats) -> None:
    first, second = two_seats
    lost_seen = asyncio.Event()

    async def hold_until_lost(seat: AdvisorySeat) -> None:
        async with seat.taken() as lost:
            await lost
            lost_seen.set()

    holder = asyncio.create_task(hold_until_lost(first))
    await until(lambda: first.holding, "the first seat")
    waiter = asyncio.create_task(hold_until_lost(second))
    await asyncio.sleep(0.2)
    assert not second.holding
    # The holder's server connection is killed, as when its process dies or the network breaks.
    async with second.engine.connect() as connection:
        killed = await connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                " WHERE locktype = 'advisory' AND objid = :key AND granted"
            ),
            {"key": KEY},
        )
    assert killed == 1
    await until(lambda: second.holding, "the second seat after the holder died")
    await asyncio.wait_for(lost_seen.wait(), 60)  # the old holder stops sending
    await holder
    waiter.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiter
