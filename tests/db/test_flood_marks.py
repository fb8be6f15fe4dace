"""Flood control counted in the database (bot/db/flood.py): two gates on one database, as two
bot processes behind one webhook would have, count one user's updates together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.deadline import DeadlineSessions
from bot.db.flood import SharedFloodGate, forget_idle
from bot.db.models import FloodMark
from bot.db.session import make_engine, make_sessions
from bot.flood import Verdict

LIMIT, WINDOW, PAUSE = 5, 10, 30
FLOODER, OTHER = 1001, 2002


class Clock:
    """Wall-clock seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def gates(migrated_url: str) -> AsyncIterator[tuple[SharedFloodGate, ...]]:
    """Two gates, each with its own engine (its own connections), on one database."""
    clock = Clock()
    engines: list[AsyncEngine] = []
    made: list[SharedFloodGate] = []
    for _ in range(2):
        engine = make_engine(migrated_url)
        engines.append(engine)
        sessions: DeadlineSessions = make_sessions(engine)[0]
        made.append(
            SharedFloodGate(LIMIT, WINDOW, PAUSE, lambda sessions=sessions: sessions, clock=clock)
        )
    yield made[0], made[1], clock  # type: ignore[misc]
    for engine in engines:
        await engine.dispose()


async def test_two_processes_count_one_user_together(gates) -> None:
    first, second, clock = gates
    verdicts = [await (first, second)[i % 2].check(FLOODER) for i in range(3 * LIMIT)]
    assert verdicts.count(Verdict.SERVE) == LIMIT  # not LIMIT per process
    assert verdicts.count(Verdict.WARN) == 1  # one slow-down, not one per process
    assert verdicts[: LIMIT + 1] == [Verdict.SERVE] * LIMIT + [Verdict.WARN]
    assert await second.check(OTHER) is Verdict.SERVE  # somebody else is unaffected
    clock.now += PAUSE
    assert await first.check(FLOODER) is Verdict.SERVE  # after the pause, served again
    assert await second.check(FLOODER) is Verdict.SERVE


async def test_a_concurrent_flood_over_both_gets_one_warning(gates) -> None:
    first, second, _ = gates
    verdicts = await asyncio.gather(
        *((first, second)[i % 2].check(FLOODER) for i in range(4 * LIMIT))
    )
    assert verdicts.count(Verdict.SERVE) == LIMIT
    assert verdicts.count(Verdict.WARN) == 1


async def test_the_window_slides_as_in_memory(gates) -> None:
    # The same sequence as tests/bot/test_flood.py's test_gate_window_slides.
    first, second, clock = gates
    assert [await first.check(FLOODER) for _ in range(LIMIT)] == [Verdict.SERVE] * LIMIT
    clock.now += WINDOW  # the first ones have left the window
    assert [await second.check(FLOODER) for _ in range(LIMIT)] == [Verdict.SERVE] * LIMIT
    assert await first.check(FLOODER) is Verdict.WARN
    assert await second.check(FLOODER) is Verdict.DROP
    # A steady sender at the allowed pace is never stopped.
    clock.now += PAUSE
    for _ in range(3 * LIMIT):
        assert await (first, second)[_ % 2].check(OTHER) is Verdict.SERVE
        clock.now += WINDOW / LIMIT


async def test_the_purge_forgets_quiet_users(gates, engine: AsyncEngine) -> None:
    first, _, clock = gates
    await first.check(FLOODER)
    clock.now += 2 * 24 * 3600
    await first.check(OTHER)
    sessions = make_sessions(engine)[0]
    async with sessions.begin() as session:
        assert await forget_idle(session, datetime.fromtimestamp(clock.now, UTC)) == 1
    async with sessions() as session:
        left = await session.scalars(select(FloodMark.telegram_id))
        assert list(left) == [OTHER]
        assert await session.scalar(select(func.count()).select_from(FloodMark)) == 1
