"""The visits open for registration now, as the live answer reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.visits import service
from bot.visits.live import open_for_registration
from tests.visits.factory import Sessions, open_visit, register, visit_fields

DEADLINE = date(2026, 11, 29)


async def listed(sessions: Sessions, at: datetime) -> list[int]:
    """The ids of the visits open for registration at a moment."""
    async with sessions() as session:
        return [v.id for v in await open_for_registration(session, at)]


async def test_the_deadline_is_a_day_in_the_host_city(sessions: Sessions) -> None:
    created = datetime(2026, 11, 1, tzinfo=UTC)
    tokyo = await open_visit(sessions, created, registration_deadline=DEADLINE)
    bratislava = await open_visit(
        sessions,
        created,
        host_city="bratislava",
        timezone="Europe/Bratislava",
        registration_deadline=DEADLINE,
    )
    # 29 November 20:00 UTC: the 30th in Tokyo already, still the 29th in Bratislava.
    evening = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    assert await listed(sessions, evening) == [bratislava.id]
    # 28 November 16:00 UTC: the 29th in Tokyo, the 28th in Bratislava: both are open.
    assert await listed(sessions, datetime(2026, 11, 28, 16, 0, tzinfo=UTC)) == [
        tokyo.id,
        bratislava.id,
    ]


async def test_places_left_count_confirmed_registrations(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, capacity=2)
    await register(sessions, visit.id, 1, now)
    async with sessions() as session:
        [found] = await open_for_registration(session, now)
    assert (found.places_left, found.full) == (1, False)
    await register(sessions, visit.id, 2, now)
    await register(sessions, visit.id, 3, now)  # the waiting list
    async with sessions() as session:
        [found] = await open_for_registration(session, now)
    assert (found.places_left, found.full) == (0, True)


async def test_drafts_and_closed_visits_are_not_listed(sessions: Sessions, now: datetime) -> None:
    async with sessions.begin() as session:
        await service.create_visit(session, **visit_fields(), now=now)  # a draft
    closed = await open_visit(sessions, now)
    async with sessions.begin() as session:
        await service.set_visit_status(session, closed.id, "closed", now)
    assert await listed(sessions, now) == []
