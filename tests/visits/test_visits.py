"""Visits as coordinators manage them, and the counts they read."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.db.models import Visit
from bot.visits import service
from bot.visits.rules import InvalidVisit, VisitNotFound
from tests.visits.factory import (
    COORDINATOR,
    TITLES,
    Sessions,
    open_visit,
    register,
    visit_fields,
    visit_row,
)


async def test_create_visit_stores_a_draft(sessions: Sessions, now: datetime) -> None:
    async with sessions.begin() as session:
        visit = await service.create_visit(
            session, **visit_fields(venue="  Tokorozawa   City Hall "), now=now
        )
    stored = await visit_row(sessions, visit.id)
    assert stored.status == "draft"
    assert stored.titles == TITLES
    assert stored.title("ja") == "所沢市視察訪問"
    assert stored.title("de") == "Study visit to Tokorozawa"  # falls back to English
    assert stored.venue == "Tokorozawa City Hall"
    assert (stored.held, stored.date_revision, stored.created_by) == (0, 0, COORDINATOR)
    assert (stored.start_date, stored.end_date) == (date(2027, 5, 20), date(2027, 5, 23))
    assert (stored.created_at, stored.updated_at) == (now, now)


async def test_create_visit_refuses_bad_fields(sessions: Sessions, now: datetime) -> None:
    with pytest.raises(InvalidVisit, match="end_before_start"):
        async with sessions.begin() as session:
            await service.create_visit(session, **visit_fields(end_date=date(2027, 5, 1)), now=now)
    # The review's I-6: 20 May 2099 to 20 May 2200 was stored.
    far = visit_fields(start_date=date(2099, 5, 20), end_date=date(2099, 5, 23))
    for fields, reason in [
        (visit_fields(end_date=date(2200, 5, 20)), "too_long"),
        (far, "too_far"),
        (far | {"end_date": date(2200, 5, 20)}, "too_long"),
    ]:
        with pytest.raises(InvalidVisit, match=reason):
            async with sessions.begin() as session:
                await service.create_visit(session, **fields, now=now)
    # Five years ahead to the day is still accepted (now is 29 November 2026).
    async with sessions.begin() as session:
        edge = date(2031, 11, 29)
        await service.create_visit(
            session,
            **visit_fields(start_date=edge, end_date=edge, registration_deadline=None),
            now=now,
        )
    async with sessions.begin() as session:
        [visit] = await service.list_visits(session)
        with pytest.raises(InvalidVisit, match="too_far"):
            await service.change_visit(
                session,
                visit.id,
                now=now,
                start_date=date(2031, 11, 30),
                end_date=edge.replace(day=30),
            )
        await session.delete(visit)
    async with sessions() as session:
        assert await service.list_visits(session) == []


async def test_open_visits_lists_what_people_can_register_for(
    sessions: Sessions, now: datetime
) -> None:
    later = await open_visit(
        sessions,
        now,
        start_date=date(2027, 10, 1),
        end_date=date(2027, 10, 3),
        registration_deadline=date(2027, 9, 15),
    )
    soon = await open_visit(sessions, now)  # deadline 1 May 2027
    no_deadline = await open_visit(
        sessions,
        now,
        registration_deadline=None,
        start_date=date(2027, 6, 1),
        end_date=date(2027, 6, 2),
    )
    async with sessions.begin() as session:
        await service.create_visit(session, **visit_fields(), now=now)  # draft
        closed = await service.create_visit(session, **visit_fields(), now=now)
        await service.set_visit_status(session, closed.id, "closed", now)

    async def listed(today: date) -> list[int]:
        async with sessions() as session:
            return [v.id for v in await service.open_visits(session, today)]

    assert await listed(date(2027, 4, 1)) == [soon.id, no_deadline.id, later.id]
    assert await listed(date(2027, 5, 1)) == [soon.id, no_deadline.id, later.id]
    assert await listed(date(2027, 5, 2)) == [no_deadline.id, later.id]
    assert await listed(date(2027, 6, 1)) == [no_deadline.id, later.id]
    assert await listed(date(2027, 6, 2)) == [later.id]
    assert await listed(date(2027, 9, 16)) == []

    async with sessions() as session:
        every = await service.list_visits(session)
        drafts = await service.list_visits(session, ["draft"])
    assert len(every) == 5
    assert [v.status for v in drafts] == ["draft"]


async def test_set_visit_status(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    later = now + timedelta(hours=1)
    async with sessions.begin() as session:
        closed = await service.set_visit_status(session, visit.id, "closed", later)
    assert (closed.status, closed.updated_at) == ("closed", later)
    with pytest.raises(VisitNotFound):
        async with sessions.begin() as session:
            await service.set_visit_status(session, visit.id + 1, "open", now)
    with pytest.raises(ValueError, match="'cancelled'"):
        async with sessions.begin() as session:
            await service.set_visit_status(session, visit.id, "cancelled", now)


async def test_change_visit_checks_the_result(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    for fields, reason in (
        ({"end_date": date(2027, 5, 19)}, "end_before_start"),
        ({"registration_deadline": date(2027, 6, 1)}, "deadline_after_start"),
        ({"registration_deadline": date(2027, 5, 21)}, "deadline_after_start"),
        ({"roles": ["astronaut"]}, "roles"),
    ):
        with pytest.raises(InvalidVisit, match=reason):
            async with sessions.begin() as session:
                await service.change_visit(session, visit.id, now=now, **fields)
    with pytest.raises(TypeError, match="held"):
        async with sessions.begin() as session:
            await service.change_visit(session, visit.id, now=now, held=0)
    with pytest.raises(VisitNotFound):
        async with sessions.begin() as session:
            await service.change_visit(session, visit.id + 9, now=now, venue="x")
    async with sessions.begin() as session:
        change = await service.change_visit(
            session, visit.id, now=now, titles={"en": "Return visit", "sk": "Návšteva"}
        )
    assert change.visit.titles == {"en": "Return visit", "sk": "Návšteva"}


async def test_mark_past(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    async with sessions.begin() as session:
        assert await service.mark_past(session, date(2027, 5, 23)) == 0
    async with sessions.begin() as session:
        assert await service.mark_past(session, date(2027, 5, 24)) == 1
        assert await service.mark_past(session, date(2027, 5, 24)) == 0
    assert (await visit_row(sessions, visit.id)).status == "past"


async def test_the_database_refuses_more_held_than_capacity(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, capacity=2)
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await session.execute(update(Visit).where(Visit.id == visit.id).values(held=3))


async def test_registration_stats(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now, capacity=3)
    people = [
        (1, "expert", "Bratislava", "Vegetarian"),
        (2, "delegate", "所沢", "vegetarian "),
        (3, "delegate", "Bratislava", None),
        (4, "press", "Tokyo", "halal"),  # waitlisted
    ]
    regs = [
        await register(sessions, visit.id, p, now, role=r, city=c, dietary=d)
        for p, r, c, d in people
    ]
    async with sessions.begin() as session:
        await service.withdraw(session, regs[2].id, 3, now, offer_hours=48)  # 4 gets an offer
    async with sessions() as session:
        stats = await service.registration_stats(session, visit.id)
    assert stats.by_status == {
        "confirmed": 2,
        "waitlisted": 0,
        "offered": 1,
        "withdrawn": 1,
        "declined": 0,
        "expired": 0,
    }
    assert stats.by_role == {"expert": 1, "delegate": 1}
    assert stats.by_city == {"Bratislava": 1, "所沢": 1}
    assert stats.by_dietary == {"Vegetarian": 2}
    assert (stats.capacity, stats.held, stats.free, stats.total) == (3, 3, 0, 4)
    with pytest.raises(VisitNotFound):
        async with sessions() as session:
            await service.registration_stats(session, visit.id + 1)
