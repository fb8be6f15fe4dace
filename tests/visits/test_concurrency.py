"""Capacity is never exceeded: 50 people register at once for 10 places."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.db.models import Registration
from bot.db.session import make_engine, make_sessionmaker
from tests.visits.factory import Sessions, open_visit, register, visit_row


async def test_fifty_simultaneous_registrations_for_ten_places(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, capacity=10)

    results = await asyncio.gather(
        *(
            register(sessions, visit.id, 1000 + i, now + timedelta(milliseconds=i))
            for i in range(50)
        ),
        return_exceptions=True,
    )

    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert Counter(r.status for r in results) == {"confirmed": 10, "waitlisted": 40}
    assert (await visit_row(sessions, visit.id)).held == 10
    async with sessions() as session:
        stored = Counter(
            dict(
                (
                    await session.execute(
                        select(Registration.status, func.count())
                        .where(Registration.visit_id == visit.id)
                        .group_by(Registration.status)
                    )
                ).all()
            )
        )
    assert stored == {"confirmed": 10, "waitlisted": 40}


async def test_fifty_registrations_from_five_processes_for_ten_places(
    migrated_url: str, sessions: Sessions, now: datetime
) -> None:
    # Five engines stand for five bot processes: on SQLite they are separate connections
    # that meet SQLite's own locking, not the one-connection queue of a single process.
    visit = await open_visit(sessions, now, capacity=10)
    engines = [make_engine(migrated_url) for _ in range(5)]
    try:
        makers = [make_sessionmaker(e) for e in engines]
        results = await asyncio.gather(
            *(
                register(makers[i % 5], visit.id, 2000 + i, now + timedelta(milliseconds=i))
                for i in range(50)
            ),
            return_exceptions=True,
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert Counter(r.status for r in results) == {"confirmed": 10, "waitlisted": 40}
    assert (await visit_row(sessions, visit.id)).held == 10
